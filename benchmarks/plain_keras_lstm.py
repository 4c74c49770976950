"""The seed-000 recipe as a plain Keras script: read the splits, tokenize, train an LSTM, evaluate.

The baseline of ``sentiment_overhead.py``. It does not import the project, on purpose: it is what a
user would write by hand. Usage: python plain_keras_lstm.py TRAIN.parquet VALIDATION.parquet EPOCHS
"""

import sys
import time

import keras
import pandas as pd

max_features = 10000  # the 10,000 most frequent words
maxlen = 200  # cut reviews after 200 words
batch_size = 64

train = pd.read_parquet(sys.argv[1])
validation = pd.read_parquet(sys.argv[2])
epochs = int(sys.argv[3])
keras.utils.set_random_seed(42)

start = time.perf_counter()
vectorize = keras.layers.TextVectorization(max_tokens=max_features, output_sequence_length=maxlen)
vectorize.adapt(train["text"].to_numpy(), batch_size=1024)
x_train = vectorize(train["text"].to_numpy()).numpy()
x_val = vectorize(validation["text"].to_numpy()).numpy()
tokenize_seconds = time.perf_counter() - start

inputs = keras.Input(shape=(maxlen,), dtype="int32")
x = keras.layers.Embedding(max_features, 64, mask_zero=True)(inputs)  # 64-dim word vectors
x = keras.layers.LSTM(128)(x)  # one LSTM layer, 128 units
outputs = keras.layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(0.001), loss="binary_crossentropy", metrics=["accuracy"])

start = time.perf_counter()
history = model.fit(
    x_train,
    train["label"].to_numpy(),
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(x_val, validation["label"].to_numpy()),
    verbose=0,
)
train_seconds = time.perf_counter() - start
print(
    f"PLAIN tokenize_seconds={tokenize_seconds:.2f} train_seconds={train_seconds:.2f} "
    f"val_accuracy={history.history['val_accuracy'][-1]:.4f}"
)
