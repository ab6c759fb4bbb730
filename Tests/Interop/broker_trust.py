#!/usr/bin/env python3
"""What broker users may do, seen through a stock AMQP client (pika); driven by
Tests/SecurityTests/BrokerTrustTests.swift.

    broker_trust.py observer OBSERVER_URL PUBLISHER_URL ROUTING_KEY BODY_FILE
        As the observer: declares a server-named exclusive queue and binds it to hromada.events
        (#); as the publisher: publishes BODY_FILE with ROUTING_KEY; as the observer: reads it.
        Then tries what the observer must not do, each on a fresh channel. Prints one JSON object:
        {"received": bool, "user_id": ..., "declare_named": code, "publish": code,
         "get_routing": code, "bind_dlx": code}  (code 0 = allowed, else the broker's reply code).
    broker_trust.py publish-bare URL EXCHANGE ROUTING_KEY BODY_FILE
        Publishes BODY_FILE without a user_id property (publisher confirms); prints "published".
"""
import json
import sys
import time

import pika


def connect(url):
    return pika.BlockingConnection(pika.URLParameters(url))


def refused_code(action):
    """Runs action(); 0 when the broker allowed it, else the reply code it closed the channel with."""
    try:
        action()
        return 0
    except pika.exceptions.ChannelClosedByBroker as error:
        return error.reply_code
    except pika.exceptions.ConnectionClosedByBroker as error:
        return error.reply_code


def observer(observer_url, publisher_url, routing_key, body_file):
    body = open(body_file, "rb").read()
    result = {}
    conn = connect(observer_url)
    ch = conn.channel()
    queue = ch.queue_declare(queue="", exclusive=True).method.queue
    ch.queue_bind(queue=queue, exchange="hromada.events", routing_key="#")

    pub = connect(publisher_url)
    pch = pub.channel()
    pch.confirm_delivery()
    pch.basic_publish("hromada.events", routing_key, body,
                      pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                           user_id=pika.URLParameters(publisher_url).credentials.username))
    pub.close()

    result["received"] = False
    deadline = time.time() + 10
    while time.time() < deadline:
        method, properties, received = ch.basic_get(queue=queue, auto_ack=True)
        if method is not None:
            result["received"] = received == body
            result["user_id"] = properties.user_id
            break
        time.sleep(0.1)

    def fresh():
        return conn.channel()

    result["declare_named"] = refused_code(lambda: fresh().queue_declare(queue="observer.named", durable=True))

    def publish():
        channel = fresh()
        channel.confirm_delivery()
        channel.basic_publish("hromada.events", routing_key, body, pika.BasicProperties(delivery_mode=2))
    result["publish"] = refused_code(publish)
    result["get_routing"] = refused_code(lambda: fresh().basic_get(queue="hromada.routing", auto_ack=False))
    result["bind_dlx"] = refused_code(lambda: fresh().queue_bind(queue=queue, exchange="hromada.dlx", routing_key="hromada.routing"))
    try:
        conn.close()
    except Exception:
        pass
    print(json.dumps(result))


def publish_bare(url, exchange, routing_key, body_file):
    body = open(body_file, "rb").read()
    conn = connect(url)
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish(exchange, routing_key, body, pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()
    print("published")


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "observer":
        observer(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "publish-bare":
        publish_bare(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
