"""Drive the admin pages as a person would, in real headless Chromium: sign in, open a flow and try it, open a
conversation, answer a needs-a-person reply, read the performance page. Each page is screenshotted.

The tests run in file order and share one browser session (signing in once, as a person would).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait


def wait_text(browser: Any, text: str, timeout: float = 10) -> None:
    WebDriverWait(browser, timeout).until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), text))


def shot(browser: Any, shots: Path, name: str) -> None:
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, max(1000, min(int(height) + 40, 4000)))
    path = shots / f"{name}.png"
    assert browser.save_screenshot(str(path)), path
    assert path.stat().st_size > 10_000  # a real page, not a blank frame


def test_sign_in(browser: Any, server: str, shots: Path, seed_module: Any) -> None:
    browser.get(f"{server}/admin/flows")
    assert "/admin/login" in browser.current_url
    shot(browser, shots, "01-sign-in")
    browser.find_element(By.ID, "username").send_keys(seed_module.ADMIN)
    browser.find_element(By.ID, "password").send_keys(seed_module.PASSWORD, Keys.ENTER)
    wait_text(browser, "Flows")
    assert browser.current_url.endswith("/admin/flows")
    assert browser.find_element(By.CSS_SELECTOR, '[data-flow="booking-confirm"] .status').text == "valid"
    shot(browser, shots, "02-flows")


def test_open_a_flow_and_try_it(browser: Any, server: str, shots: Path) -> None:
    browser.find_element(By.LINK_TEXT, "booking-confirm").click()
    wait_text(browser, "Texts")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg g.node")) == 5
    shot(browser, shots, "03-flow")
    browser.find_element(By.LINK_TEXT, "Try it").click()
    Select(browser.find_element(By.ID, "pick")).select_by_visible_text("Ben Okafor · 00Q5e00000Hk7PbEAJ")
    WebDriverWait(browser, 10).until(lambda b: '"Ben"' in b.find_element(By.ID, "record").get_attribute("value"))
    browser.find_element(By.CSS_SELECTOR, 'button[value="start"]:not(.sr)').click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "reply")))
    assert "Hi Ben" in browser.find_element(By.CSS_SELECTOR, '#phone [data-kind="text"]').text
    browser.find_element(By.ID, "reply").send_keys("Yes please", Keys.ENTER)
    wait_text(browser, "run ended")
    screen = browser.find_element(By.ID, "phone-screen").text
    assert "understood as: yes" in screen and "see you on" in screen
    shot(browser, shots, "04-try-it")


def test_open_a_conversation(browser: Any, server: str, shots: Path) -> None:
    browser.find_element(By.LINK_TEXT, "Conversations").click()
    wait_text(browser, "Last activity")
    browser.find_element(By.LINK_TEXT, "+12025550147").click()
    wait_text(browser, "Consent history")
    kinds = [
        li.get_attribute("data-kind") for li in browser.find_elements(By.CSS_SELECTOR, "[data-testid=timeline] > li")
    ]
    assert {"run", "out", "decision"} <= set(kinds)
    assert "deferred" in browser.find_element(By.CSS_SELECTOR, '[data-kind="decision"]').text
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "Lead 00Q5e00000Hk7PfEAJ")
    assert link.get_attribute("href").startswith("https://example.my.salesforce.com/lightning/r/Lead/")
    shot(browser, shots, "05-conversation")


def test_answer_a_needs_a_person_reply(browser: Any, server: str, shots: Path) -> None:
    browser.find_element(By.PARTIAL_LINK_TEXT, "Needs a person").click()
    wait_text(browser, "2 waiting")
    shot(browser, shots, "06-needs-a-person")
    first = browser.find_elements(By.CSS_SELECTOR, "[data-testid=queue] > li")[0]
    assert "Who is this?" in first.text
    box = first.find_element(By.TAG_NAME, "textarea")
    box.send_keys("Hi Dana, this is Anna from Acme Homes; you asked us for a roof quote.")
    assert "segment" in first.find_element(By.CSS_SELECTOR, "[aria-live]").text  # the live counter (JS)
    first.find_element(By.XPATH, ".//button[normalize-space()='Send reply']").click()
    wait_text(browser, "Text queued")
    assert "1 waiting" in browser.find_element(By.TAG_NAME, "h1").text
    assert "Who is this?" not in browser.find_element(By.TAG_NAME, "main").text
    shot(browser, shots, "07-answered")


def test_read_the_performance_page(browser: Any, server: str, shots: Path) -> None:
    browser.get(f"{server}/admin/performance?from=2026-11-20&to=2026-11-23")
    wait_text(browser, "Per flow")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=sent]").text == "6"
    rows = browser.find_elements(By.CSS_SELECTOR, "[data-testid=per-flow] tbody tr")
    assert rows[-1].find_element(By.TAG_NAME, "th").text == "all flows"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".chart rect.bar")) == 16
    shot(browser, shots, "08-performance")
