"""The simulator page in headless Chromium (Debian's, driven by its chromedriver): the rich menu
under the chat, tapped like a phone, and the Flex case card. Screenshots go to artefacts/."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from handlers.richmenu import install_rich_menu
from simulator.app import create_app as create_simulator
from simulator.chat import CITIZENS

ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
STORY = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"
WAIT_SECONDS = 30  # a ceiling for the page to catch up, never a measured figure


@pytest.fixture
def simulator_page(server: str, line: Any, worker: Any) -> Iterator[str]:
    """The chat page on the tests' fake platform, posting to the real app, with a worker running."""
    app = create_simulator(line, f"{server}/callback")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=http.serve_forever, args=(0.02,), daemon=True)
    working = threading.Thread(target=worker.run_forever, daemon=True)
    serving.start()
    working.start()
    yield f"http://127.0.0.1:{http.server_port}/"
    worker.stop()
    working.join(timeout=10)
    http.shutdown()
    http.server_close()


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium; scripts/ensure_browser.sh (run by `make test`) installs it."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    assert not missing, f"install {missing} (scripts/ensure_browser.sh) to run the browser tests"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100",
                "--lang=th-TH", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def bot_rows(driver: webdriver.Chrome) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, "#chat .row.bot:not(#loading-row)"))


def until(driver: webdriver.Chrome, check: Any) -> Any:
    return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.2).until(lambda d: check(d))


def act_and_wait(driver: webdriver.Chrome, act: Any) -> None:
    """Do something in the page and wait for the bot's answer to show."""
    before = bot_rows(driver)
    act()
    until(driver, lambda d: bot_rows(d) > before and not d.find_elements(By.ID, "loading-row"))
    until(driver, lambda d: d.execute_script("return !polling"))


def type_text(driver: webdriver.Chrome, words: str) -> None:
    box = driver.find_element(By.ID, "text")
    box.send_keys(words)
    driver.find_element(By.CSS_SELECTOR, "#composer .send").click()


def quick(driver: webdriver.Chrome) -> dict[str, Any]:
    return {b.text: b for b in driver.find_elements(By.CSS_SELECTOR, "#quick > *")}


def answer_in_page(driver: webdriver.Chrome) -> None:
    """Answer the bot's questions through the page's buttons and composer until the card shows."""
    taps = ("ยืนยัน", "ยินยอม", "คนอื่น", "ผู้ใหญ่ (18-59)", "เดือดร้อนค่าครองชีพ")
    for _ in range(12):
        if driver.find_elements(By.CSS_SELECTOR, "#chat .fx-bubble"):
            return
        buttons = quick(driver)
        tap = next((label for label in taps if label in buttons), None)
        if tap:
            act_and_wait(driver, buttons[tap].click)
        elif "📍 แชร์ตำแหน่ง" in buttons:
            act_and_wait(driver, lambda: type_text(driver, "ต.แม่เหียะ อ.เมือง จ.เชียงใหม่"))
        elif "ไม่สะดวกให้เบอร์" in buttons:
            act_and_wait(driver, lambda: type_text(driver, "081-234-5678"))
        else:
            raise AssertionError(f"unexpected question; buttons {list(buttons)}")
    raise AssertionError("no case card after 12 answers")


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / name
    assert driver.save_screenshot(str(path))
    return path


def test_page_shows_the_rich_menu_and_the_flex_case_card(simulator_page, browser, settings, line):
    install_rich_menu(settings)
    browser.get(simulator_page)
    browser.execute_script("localStorage.setItem('sim.user', arguments[0]); localStorage.setItem('sim.lang', 'th')",
                           CITIZENS[0].user_id)
    browser.get(simulator_page)
    areas = until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#richmenu-panel .richmenu-area"))
    assert [a.get_attribute("data-label") for a in areas] == \
        ["ขอความช่วยเหลือ", "ติดตามเรื่อง", "สอบถามข้อมูล", "โทร 1300", "ความเป็นส่วนตัว"]
    image = browser.find_element(By.CSS_SELECTOR, "#richmenu-panel img")
    until(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", image) == 2500)
    assert areas[3].get_attribute("href") == "tel:1300"
    assert image.size["height"] > 200  # drawn at the menu's ratio, not collapsed

    act_and_wait(browser, areas[0].click)  # ขอความช่วยเหลือ, tapped on the menu image
    assert "เล่าให้ฟังได้เลย" in browser.find_element(By.ID, "chat").text
    menu_shot = screenshot(browser, "simulator-rich-menu.png")

    act_and_wait(browser, lambda: type_text(browser, STORY))
    answer_in_page(browser)
    card = browser.find_element(By.CSS_SELECTOR, "#chat .fx-bubble")
    case_no = line.messages_to(CITIZENS[0].user_id)[-1]["altText"].split()[-2]
    assert case_no.startswith("OSS-") and case_no in card.text and "ขั้นต่อไป" in card.text
    header = card.find_element(By.CSS_SELECTOR, ".fx-header")
    assert header.value_of_css_property("background-color") == "rgba(6, 199, 85, 1)"
    both_shot = screenshot(browser, "simulator-card-and-menu.png")
    browser.find_element(By.ID, "richmenu-bar").click()  # fold the menu, as the chat bar does on LINE
    assert not browser.find_element(By.ID, "richmenu-panel").is_displayed()
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", card)
    card_shot = screenshot(browser, "simulator-flex-card.png")
    browser.find_element(By.ID, "richmenu-bar").click()
    assert browser.find_element(By.ID, "richmenu-panel").is_displayed()

    act_and_wait(browser, card.find_element(By.CSS_SELECTOR, "button.fx-button").click)  # ติดตามเรื่อง
    assert "สถานะ" in browser.find_element(By.ID, "chat").text
    for shot in (menu_shot, both_shot, card_shot):
        assert Image.open(shot).size[0] >= 1280
