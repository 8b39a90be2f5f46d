"""The web service in a real browser: headless Chromium driven by Selenium.

Run by scripts/test-browser, which starts `ticket-master serve` (no account yet), the GitHub loopback server, and
passes their addresses. A new admin signs in through the printed setup link, adds a local repository, starts a run
with the real local model, watches live progress arrive, edits a draft's title, approves two drafts, rejects one
with a reason, files them on the loopback server and sees the issue links; then a viewer sees no approve buttons.
A screenshot of each step is kept in the artefacts folder.
"""

import argparse
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--setup-link", required=True)
parser.add_argument("--repository", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--artefacts", required=True)
parser.add_argument("--provider", default="local")
arguments = parser.parse_args()

base = arguments.setup_link.split("/setup")[0]
os.makedirs(arguments.artefacts, exist_ok=True)
step = 0


def shot(name):
    global step
    step += 1
    driver.save_screenshot(os.path.join(arguments.artefacts, f"{step:02d}-{name}.png"))


def check(condition, message):
    if not condition:
        shot("failure")
        print(f"browser test failed: {message}", file=sys.stderr)
        sys.exit(1)


def fill(name, value, scope=None):
    field = (scope or driver).find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
# The live page's script replaces sections in place: an element found a moment ago may be gone (Chromium says so as
# a stale element, or as a node that no longer belongs to the document), so waits look again; a wait that never
# succeeds still fails, with a timeout.
STALE = [StaleElementReferenceException, WebDriverException]
wait = WebDriverWait(driver, 30, ignored_exceptions=STALE)
try:
    # The first admin, through the one-time link the server printed.
    driver.get(arguments.setup_link)
    shot("setup")
    fill("name", "maintainer")
    fill("password", "a-long-admin-passphrase")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(EC.title_contains("Repositories"))
    check("Sign out maintainer (admin)" in driver.page_source, "signed in as the new admin")

    # A local repository, with its tracker and token.
    fill("name", "api")
    fill("location", arguments.repository)
    fill("tracker", "acme/api")
    fill("token", arguments.token)
    driver.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "table"), "stored (encrypted)"))
    check(arguments.token not in driver.page_source, "the token is never shown")
    shot("repository-added")

    # A run with the real local model; live progress arrives while it works.
    driver.get(base + "/runs")
    Select(driver.find_element(By.NAME, "provider")).select_by_value(arguments.provider)
    fill("max_issues", "4")
    driver.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
    wait.until(EC.title_contains("Run #1"))
    live = WebDriverWait(driver, 120, ignored_exceptions=STALE).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#events li")) > 0
        or d.find_element(By.ID, "progress-line").text.strip() != ""
    )
    check(live, "live progress arrives")
    shot("live-progress")
    WebDriverWait(driver, 600, ignored_exceptions=STALE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#state")
        and d.find_element(By.ID, "state").text in ("drafted", "failed")
    )
    check(driver.find_element(By.ID, "state").text == "drafted", "the run drafted: " + driver.page_source[-2000:])
    drafts = driver.find_elements(By.CSS_SELECTOR, "article.draft")
    check(len(drafts) >= 3, f"at least three drafts, found {len(drafts)}")
    shot("drafted")
    ids = [draft.get_attribute("id").removeprefix("draft-") for draft in drafts]

    # Edit the first draft's title and approve it: saved in place by the page's script, without a reload.
    driver.execute_script("window.inlineMarker = true")
    first = driver.find_element(By.ID, f"draft-{ids[0]}")
    fill("title", "Edited in the browser: " + first.find_element(By.NAME, "title").get_attribute("value")[:60], first)
    first.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#draft-{ids[0]}.approved")))
    check("Edited in the browser" in driver.page_source, "the edited title is kept")
    check(driver.execute_script("return window.inlineMarker === true"), "the edit was saved without a reload")
    check(driver.find_element(By.ID, "draft-status").text == "Saved.", "the page says it saved")
    shot("edited-and-approved")

    # Approve the second in bulk, reject the third with a reason.
    driver.find_element(By.CSS_SELECTOR, f"input[type=checkbox][value='{ids[1]}']").click()
    driver.find_element(By.CSS_SELECTOR, "#bulk button[value=approve]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#draft-{ids[1]}.approved")))
    third = driver.find_element(By.ID, f"draft-{ids[2]}")
    fill("reason", "not worth an issue yet", third)
    third.find_element(By.CSS_SELECTOR, "button[value=reject]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#draft-{ids[2]}.skipped")))
    check("not worth an issue yet" in driver.page_source, "the reason is kept")
    shot("reviewed")

    # File the approved ones and see their links.
    driver.find_element(By.XPATH, "//button[contains(., 'File the 2 approved')]").click()
    WebDriverWait(driver, 120, ignored_exceptions=STALE).until(
        lambda d: d.find_element(By.ID, "state").text in ("filed", "failed")
        and len(d.find_elements(By.CSS_SELECTOR, ".filed a")) >= 1
        or d.find_element(By.ID, "state").text == "failed"
    )
    links = [link.get_attribute("href") for link in driver.find_elements(By.CSS_SELECTOR, ".filed a")]
    check(len(links) == 2 and all("/acme/api/issues/" in link for link in links), f"two issue links: {links}")
    shot("filed")

    # A viewer reads the run but has nothing to press.
    driver.get(base + "/accounts")
    fill("name", "reader")
    fill("password", "a-long-viewer-passphrase")
    Select(driver.find_element(By.ID, "role")).select_by_value("viewer")
    driver.find_element(By.XPATH, "//button[text()='Add']").click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "table"), "reader"))
    driver.find_element(By.XPATH, "//button[starts-with(., 'Sign out')]").click()
    wait.until(EC.title_contains("Sign in"))
    fill("name", "reader")
    fill("password", "a-long-viewer-passphrase")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(EC.title_contains("Runs"))
    driver.get(base + "/runs/1")
    check("Edited in the browser" in driver.page_source, "the viewer reads the drafts")
    check(not driver.find_elements(By.CSS_SELECTOR, "button[value=approve]"), "no approve button for a viewer")
    check(not driver.find_elements(By.XPATH, "//button[contains(., 'File the')]"), "no file button for a viewer")
    shot("viewer")
    print(f"browser test passed: {step} screenshots in {arguments.artefacts}")
finally:
    driver.quit()
