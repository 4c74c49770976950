"""The MLflow UI in a real browser (headless Chromium through Selenium and Debian's chromium-driver) on the
store a smoke run wrote: what a reviewer must see on the runs page and on the champion's model version page.
Screenshots land in data/08_reporting/mlflow_ui/ (the README shows one).

Skipped, with the reason, where no Chromium or chromedriver is installed; ``.ci/run`` installs both."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rnn_pipelines.datasets.tracking import model_version_path, review_path
from tests.integration.conftest import mlflow_server
from tests.integration.test_sentiment_smoke import HYBRIDS, VARIANTS

pytestmark = pytest.mark.real_data

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "data/08_reporting/mlflow_ui"
BROWSER, DRIVER = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
MODEL = "rnn-pipelines-sentiment"


@pytest.fixture(scope="module")
def ui(smoke_project: Path) -> Iterator[str]:
    """``mlflow server`` (the UI and its API) on the smoke run's store."""
    with mlflow_server(smoke_project) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (BROWSER and DRIVER):
        pytest.skip("no Chromium and chromedriver here (Debian: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=2200,1100"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """``condition()``'s first truthy value, polled until ``timeout`` seconds (then the test fails)."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except WebDriverException:  # the page is still rendering: a missing or stale element
            value = None
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"the MLflow UI did not show {what} within {timeout:.0f} s")


def page_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def click(driver: Any, selector: str, what: str, by: str = "css selector") -> None:
    """Click the element ``selector`` finds (``by``: a Selenium locator strategy) once it is there."""
    wait_for(lambda: driver.find_element(by, selector), what).click()


def close_side_panels(driver: Any) -> None:
    """Close the MLflow Assistant panel (it takes a third of the page) when it is open."""
    from selenium.webdriver.common.by import By

    for button in driver.find_elements(By.CSS_SELECTOR, "button[data-component-id$='chat_panel.close']"):
        button.click()


def test_the_review_view_opens_on_training_runs_with_scores_and_nested_runs(ui: str, browser: Any) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=ui)
    experiment = client.get_experiment_by_name("rnn-pipelines")
    (parent,) = [
        r for r in client.search_runs([experiment.experiment_id]) if "mlflow.parentRunId" not in r.data.tags
    ]
    browser.get(f"{ui}/{review_path(experiment.experiment_id)}")
    wait_for(lambda: parent.info.run_name in page_text(browser), f"the parent run '{parent.info.run_name}'")
    close_side_panels(browser)
    text = page_text(browser)
    assert "/runs" in browser.current_url and "Token Usage" not in text  # training runs, not GenAI
    # the run summary's scores are columns of the table, with the parent's values in its row
    for key in ("selected_test_accuracy", "selected_val_accuracy", "best_baseline_test_accuracy"):
        assert key in text, f"no column {key}"
    assert "test_accuracy" in text.split()  # the nested runs' own score, a column too
    assert f"{parent.data.metrics['selected_test_accuracy']:g}" in text
    assert parent.data.tags["selected_variant"] in text
    assert "imdb_reviews" in text  # the Dataset column: the validated data set as an MLflow input
    # the parent row opens on its nested variant runs
    click(browser, "button[data-component-id$='runnamecellrenderer.tsx_46']", "the parent run's expander")
    expected = [*VARIANTS, *HYBRIDS]
    wait_for(lambda: set(expected) <= set(page_text(browser).splitlines()), f"the nested runs {expected}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "runs.png"))


def test_the_champion_model_version_page_shows_the_alias_and_why(ui: str, browser: Any) -> None:
    import mlflow

    version = mlflow.MlflowClient(tracking_uri=ui).get_model_version_by_alias(MODEL, "champion")
    browser.get(f"{ui}/{model_version_path(MODEL, version.version)}")
    wait_for(lambda: "@ champion" in page_text(browser), f"the alias on {MODEL} version {version.version}")
    close_side_panels(browser)
    text = page_text(browser)
    assert f"Version {version.version}" in text and MODEL in text
    assert "sentiment · " in text  # its source run, by the name that tells runs apart
    assert version.description and version.description in text  # why it was blessed
    assert "serving_model" in text and "Judges" not in text  # the pyfunc model; training, not GenAI pages
    # its signature: one string column, text, in
    click(browser, "//*[contains(text(), 'Inputs (1)')]", "the signature's Inputs row", by="xpath")
    signature = {"text", "string"}
    wait_for(lambda: signature <= set(page_text(browser).split()), "the text column of the signature")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "champion.png"))
