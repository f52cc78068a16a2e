"""The dashboard in a real headless Chromium (Debian's chromium + chromedriver, via Selenium):
sign-in, the case list on a phone-sized screen, a case page, acceptance, and role scoping by
URL, export and API. Screenshots are kept in test-artifacts/ for people to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from handlers import staff_core as sc
from models import Staff
from tests.staff_helpers import PASSWORD, make_staff
from tests.test_conversation import answer_questions, latest_case

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
HIGH = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"


@pytest.fixture
def browser():
    """Headless Chromium, phone-sized (a social worker on a phone)."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=412,915", "--lang=th-TH"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def sign_in(driver, server: str, username: str) -> None:
    driver.get(f"{server}/staff/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    driver.find_element(By.ID, "logout")  # waits until the signed-in page is there


def cookies_of(driver) -> dict[str, str]:
    return {c["name"]: c["value"] for c in driver.get_cookies()}


def test_centre_staff_work_a_case_in_the_browser(browser, server, citizen, runtime, db, line,
                                                 worker):
    make_staff(runtime, "maehia", "centre", center_id="TC-500109", name="สมศรี ศูนย์แม่เหียะ")
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)

    sign_in(browser, server, "maehia")
    assert case.case_no in browser.find_element(By.TAG_NAME, "table").text
    browser.save_screenshot(str(ARTIFACTS / "dashboard-list-phone.png"))
    browser.find_element(By.LINK_TEXT, case.case_no).click()
    browser.find_element(By.ID, "details")
    assert "081-234-5678" in browser.find_element(By.ID, "details").text
    browser.find_element(By.ID, "act-ack").click()
    # The page after the form's redirect (a node of the old page may vanish while we read it).
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "เจ้าหน้าที่รับเรื่องแล้ว" in d.find_element(By.ID, "status").text)
    assert "รับเรื่อง · staff:maehia" in browser.find_element(By.ID, "timeline").text
    browser.save_screenshot(str(ARTIFACTS / "dashboard-case-phone.png"))
    worker.run_until_idle()
    assert any("รับเรื่อง" in t for t in line.texts_to(citizen.user_id))


def test_a_centre_cannot_reach_another_centres_case(browser, server, citizen, runtime, db):
    make_staff(runtime, "suthep", "centre", center_id="TC-500104")
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case.center_id == "TC-500109"

    sign_in(browser, server, "suthep")
    assert case.case_no not in browser.find_element(By.TAG_NAME, "table").text
    browser.get(f"{server}/staff/cases/{case.case_no}")  # by URL
    assert "081-234-5678" not in browser.page_source
    browser.save_screenshot(str(ARTIFACTS / "dashboard-other-centre-404.png"))
    session = cookies_of(browser)
    by_url = requests.get(f"{server}/staff/cases/{case.case_no}", cookies=session, timeout=10)
    assert by_url.status_code == 404
    export = requests.get(f"{server}/staff/export.csv", cookies=session, timeout=10)
    assert export.status_code == 200 and case.case_no not in export.text
    with runtime.transaction() as s:
        token = sc.create_token(s, s.scalar(select(Staff).where(Staff.username == "suthep")))
    api = requests.get(f"{server}/api/v1/cases/{case.case_no}", timeout=10,
                       headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404


def test_report_page_draws_its_chart_without_any_cdn(browser, server, runtime, citizen):
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    make_staff(runtime, "boss", "admin")
    sign_in(browser, server, "boss")
    browser.get(f"{server}/staff/report")
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect")
    assert any(float(bar.get_attribute("width")) > 0 for bar in bars)
    assert "cdn" not in browser.page_source.lower()
    browser.set_window_size(1200, 1000)
    browser.save_screenshot(str(ARTIFACTS / "dashboard-report.png"))


def test_a_newcomer_acts_as_staff_in_the_simulator_staff_panel(browser, server, citizen, line,
                                                              worker, runtime, db, stored_events):
    import threading

    from sqlalchemy import update
    from werkzeug.serving import make_server

    from simulator.app import STAFF_USER_ID, create_app

    sim = make_server("127.0.0.1", 0, create_app(line, f"{server}/callback"), threaded=True)
    threading.Thread(target=sim.serve_forever, daemon=True).start()
    try:
        make_staff(runtime, "demo-staff", "hotline", name="เจ้าหน้าที่ทดลอง")
        with runtime.transaction() as s:
            s.execute(update(Staff).values(line_user_id=STAFF_USER_ID))
        citizen.say(HIGH)
        answer_questions(citizen, topic="hardship")
        case = latest_case(db, citizen.user_id)
        browser.set_window_size(1400, 1000)
        browser.get(f"http://127.0.0.1:{sim.server_port}/")
        group = browser.find_element(By.CSS_SELECTOR, f'.case-group[data-case="{case.case_no}"]')
        events_before = len(stored_events())
        accept = next(b for b in group.find_elements(By.CSS_SELECTOR, ".note-quick button")
                      if b.text == "รับเรื่อง")
        accept.click()
        WebDriverWait(browser, 10).until(
            lambda _: len(stored_events()) > events_before)
        worker.run_until_idle()
        assert latest_case(db, citizen.user_id).status == "acknowledged"
        WebDriverWait(browser, 10).until(lambda d: "รับเรื่องแล้วโดย" in d.find_element(
            By.CSS_SELECTOR, f'.case-group[data-case="{case.case_no}"]').text)
        browser.save_screenshot(str(ARTIFACTS / "simulator-staff-panel.png"))
    finally:
        sim.shutdown()
        sim.server_close()
