"""The case API: authentication, filters, one case with its history, status changes."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.test_conversation import answer_questions

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}])
def test_case_api_requires_the_admin_token(client, headers):
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert client.get("/api/v1/cases/OSS-2569-000001", headers=headers).status_code == 401


def test_cases_are_listed_filtered_and_shown_with_history(citizen, client):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    listed = client.get(f"/api/v1/cases?line_user_id={citizen.user_id}", headers=AUTH).get_json()
    assert listed["count"] == 1
    case = listed["cases"][0]
    assert case["department"] == "DSDW" and case["status"] == "new"
    assert case["center"]["id"] == "TC-500109" and case["center"]["province_code"] == "50"
    for name, value, hits in [("department", "DSDW", 1), ("department", "DCY", 0),
                              ("province_code", "50", 1), ("urgency", "emergency", 0),
                              ("status", "new", 1)]:
        got = client.get(f"/api/v1/cases?{name}={value}", headers=AUTH).get_json()
        assert got["count"] == hits, (name, value)
    one = client.get(f"/api/v1/cases/{case['case_no']}", headers=AUTH).get_json()
    assert one["case_no"] == case["case_no"]
    assert [h["event"] for h in one["history"]][:2] == ["created", "routed"]
    assert client.get("/api/v1/cases/OSS-2500-999999", headers=AUTH).status_code == 404


def test_status_change_is_recorded_and_told_to_the_citizen(citizen, client, line, worker):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case_no = client.get("/api/v1/cases", headers=AUTH).get_json()["cases"][0]["case_no"]
    answer = client.post(f"/api/v1/cases/{case_no}/status", headers=AUTH,
                         json={"status": "in_progress", "note": "บ้านหลังวัด ระวังสุนัข",
                               "citizen_note": "เจ้าหน้าที่จะเยี่ยมบ้านพรุ่งนี้"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "in_progress"
    worker.run_until_idle()
    told = line.texts_to(citizen.user_id)
    assert any(case_no in t and "เยี่ยมบ้าน" in t for t in told)
    # The internal note stays in the history; the citizen never reads it.
    assert not any("ระวังสุนัข" in t for t in told)
    history = answer.get_json()["history"]
    assert history[-1]["detail"]["note"] == "บ้านหลังวัด ระวังสุนัข"
    bad = client.post(f"/api/v1/cases/{case_no}/status", headers=AUTH, json={"status": "lost"})
    assert bad.status_code == 400


@pytest.mark.parametrize("body", ['[1, 2]', '"in_progress"', '{"status": 5}',
                                  '{"status": ["closed"]}', '{"status": "closed", "note": 7}',
                                  'null', '{not json'])
def test_status_api_answers_400_to_bodies_of_the_wrong_shape(citizen, client, body):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case_no = client.get("/api/v1/cases", headers=AUTH).get_json()["cases"][0]["case_no"]
    answer = client.post(f"/api/v1/cases/{case_no}/status", headers=AUTH, data=body,
                         content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["error"]
    assert client.get(f"/api/v1/cases/{case_no}", headers=AUTH).get_json()["status"] == "new"


def test_closing_through_the_api_asks_the_citizen_for_a_rating(citizen, client, line, worker):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case_no = client.get("/api/v1/cases", headers=AUTH).get_json()["cases"][0]["case_no"]
    bad = client.post(f"/api/v1/cases/{case_no}/status", headers=AUTH,
                      json={"status": "closed", "outcome": "vanished"})
    assert bad.status_code == 400
    done = client.post(f"/api/v1/cases/{case_no}/status", headers=AUTH,
                       json={"status": "closed", "outcome": "helped", "note": "ระวังสุนัข"})
    assert done.status_code == 200 and done.get_json()["status"] == "closed"
    worker.run_until_idle()
    last = line.messages_to(citizen.user_id)[-1]
    labels = [i["action"]["label"] for i in last["quickReply"]["items"]]
    assert "ขอเปิดเรื่องอีกครั้ง" in labels and len(labels) == 6
    assert "ระวังสุนัข" not in last["text"]
