#!/usr/bin/env python3
"""Interoperability with a stock AMQP client (pika), driven by Tests/AMQPTests/AMQPInteropTests.swift.

    pika_interop.py consume URL QUEUE
        Waits up to 15 s for one message on QUEUE (basic.get, manual ack), acks it and prints its
        routing key, properties and body as one JSON object on stdout.
    pika_interop.py publish URL EXCHANGE ROUTING_KEY
        Publishes one message with every basic property and a header table of every value kind
        pika can send, with publisher confirms; prints "published".

Exit status 0 on success, 2 when no message arrived, 1 on any other error.
"""
import base64
import datetime
import decimal
import json
import sys
import time

import pika


def jsonable(value):
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime.datetime):
        return {"$timestamp": int(value.replace(tzinfo=datetime.timezone.utc).timestamp())}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    return value


def consume(url, queue):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    deadline = time.time() + 15
    while time.time() < deadline:
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            time.sleep(0.05)
            continue
        channel.basic_ack(method.delivery_tag)
        print(json.dumps({
            "exchange": method.exchange,
            "routing_key": method.routing_key,
            "content_type": properties.content_type,
            "content_encoding": properties.content_encoding,
            "delivery_mode": properties.delivery_mode,
            "message_id": properties.message_id,
            "type": properties.type,
            "correlation_id": properties.correlation_id,
            "app_id": properties.app_id,
            "user_id": properties.user_id,
            "timestamp": properties.timestamp,
            "priority": properties.priority,
            "reply_to": properties.reply_to,
            "expiration": properties.expiration,
            "headers": jsonable(properties.headers or {}),
            "body": body.decode("utf-8"),
        }, ensure_ascii=False))
        connection.close()
        return 0
    connection.close()
    print("no message arrived on " + queue, file=sys.stderr)
    return 2


def publish(url, exchange, routing_key):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    properties = pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id="pika-message-1",
        type="appeal.registered",
        correlation_id="pika-correlation-1",
        app_id="pika-interop",
        timestamp=1767225600,
        priority=5,
        reply_to="pika.replies",
        expiration="60000",
        headers={
            "text": "Миколаїв",
            "long": "ж" * 400,
            "small": 42,
            "negative": -7,
            "big": 2 ** 40,
            "flag": True,  # (pika cannot encode floats)
            "amount": decimal.Decimal("12.50"),
            "when": datetime.datetime(2026, 1, 1, 0, 0, 0),
            "raw": b"\x00\x01\xfe",
            "nothing": None,
            "nested": {"authority": "zhkg", "ids": [1, "two", False]},
        },
    )
    channel.basic_publish(exchange, routing_key, json.dumps({"from": "pika"}).encode("utf-8"), properties, mandatory=True)
    connection.close()
    print("published")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "consume":
        return consume(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "publish":
        return publish(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
