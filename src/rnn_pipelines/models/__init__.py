"""Model building and training shared by the sentiment, forecasting and text-generation pipelines."""
