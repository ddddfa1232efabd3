"""The README's three-function shop (issue 23): an orders API on DynamoDB that may call the
mailer, a mailer and a nightly report, with every permission helper and every Lambda setting
skyfn offers."""

from __future__ import annotations

from pathlib import Path

from tests.support.projects import make_project

LAYER = "arn:aws:lambda:eu-west-1:123456789012:layer:pillow:3"

ORDERS_API = """\
from skyfn import define_function, dynamodb_table, event_bus, function_ref
from functions.mailer.resource import fn as mailer
fn = define_function(
    name="orders-api",
    architecture="arm64",
    log_retention_days=30,
    permissions=[dynamodb_table("orders", access="read_write"), event_bus("shop")],
    environment={"MAILER": function_ref(mailer)},  # may invoke the mailer, deployed or local
)
"""

MAILER = """\
from skyfn import allow, define_function, sqs_queue
fn = define_function(
    name="mailer",
    reserved_concurrency=2,
    permissions=[
        sqs_queue("mail-outbox", access="consume"),
        allow(
            actions=["ses:SendEmail"],
            resources=["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/shop.example"],
            conditions={"StringEquals": {"ses:FromAddress": "orders@shop.example"}},
        ),
    ],
)
"""

NIGHTLY_REPORT = """\
from skyfn import Schedule, define_function, dynamodb_table, s3_bucket, sns_topic
fn = define_function(
    name="nightly-report",
    schedule=Schedule(cron="0 2 * * ?", timezone="Europe/Paris"),  # 02:00 in Paris, nightly
    timeout_seconds=300,
    memory_mb=1024,
    ephemeral_storage_mb=2048,
    layers=["{layer}"],
    permissions=[
        dynamodb_table("orders", access="read"),
        s3_bucket("shop-reports", prefix="nightly/", access="read_write"),
        sns_topic("arn:aws:sns:eu-west-1:123456789012:report-ready"),
    ],
)
""".replace("{layer}", LAYER)


def make_shop(root: Path) -> Path:
    return make_project(
        root,
        {"orders_api": ORDERS_API, "mailer": MAILER, "nightly_report": NIGHTLY_REPORT},
        app_id="shop",
    )
