"""The worker's jobs, one module each; worker.py runs them in a small loop.

- `events`      — stored webhook events, each chat's in order, one transaction each
- `outbox`      — queued LINE messages: alerts first, each citizen's in order
- `attachments` — photos, voice notes and files fetched from LINE before LINE deletes them
- `escalation`  — cases nobody acknowledged in time move up their chain
- `timeouts`    — unanswered danger questions and idle conversations
- `maintenance` — hourly clean-up of what PDPA says not to keep
"""
