#!/usr/bin/env python3
"""A GeoReport v2 client written the way third-party ones are (python-open311, three, the Ruby open311 gem):

- every endpoint and format is taken from the discovery document, and a response's Content-Type is compared with the
  format it asked for literally;
- XML is turned into dictionaries with xmltodict, as those clients do (an element that appears once is a dictionary,
  not a list; the client has to cope, and so does the server's document shape);
- nothing of the server's own code or parsers is used.

    georeport_client.py BASE_URL API_KEY LON LAT

Prints one line per check and exits 0 when every check held, 1 at the first that did not.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import xmltodict

EXTENSIONS = {"text/xml": "xml", "application/json": "json"}


def fail(what):
    print(f"FAIL {what}")
    sys.exit(1)


def check(condition, what):
    if not condition:
        fail(what)
    print(f"ok   {what}")


def as_list(value):
    """What the clients do with a repeated element that xmltodict gives as a dict when it appears once."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def call(url, data=None):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def parse(fmt, body):
    return xmltodict.parse(body) if fmt == "text/xml" else json.loads(body)


def main():
    base, api_key, lon, lat = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]

    status, ctype, body = call(f"{base}/open311/v2/discovery.xml")
    check(status == 200 and ctype == "text/xml", f"discovery.xml answers 200 text/xml (got {status} {ctype})")
    discovery = xmltodict.parse(body)["discovery"]
    endpoints = as_list(discovery["endpoints"]["endpoint"])
    check(len(endpoints) >= 1, "discovery lists an endpoint")
    status, ctype, body = call(f"{base}/open311/v2/discovery.json")
    check(status == 200 and ctype == "application/json", f"discovery.json answers 200 application/json (got {status} {ctype})")
    check(json.loads(body)["endpoints"][0]["url"] == endpoints[0]["url"], "discovery's JSON and XML name the same endpoint")

    codes = None
    for endpoint in endpoints:
        url = endpoint["url"]
        formats = as_list(endpoint["formats"]["format"])
        check(set(formats) == set(EXTENSIONS), f"the endpoint serves {sorted(EXTENSIONS)} (lists {formats})")
        for fmt in formats:
            ext = EXTENSIONS[fmt]
            status, ctype, body = call(f"{url}/services.{ext}")
            check(status == 200 and ctype == fmt, f"services.{ext} answers 200 with exactly {fmt} (got {status} {ctype})")
            services = as_list(parse(fmt, body)["services"]["service"]) if fmt == "text/xml" else parse(fmt, body)
            found = sorted(s["service_code"] for s in services)
            check(len(found) > 0, f"services.{ext} lists {len(found)} services")
            if codes is None:
                codes = found
            check(found == codes, f"services.{ext} lists the same services as the other format")
            for service in services:
                metadata = service["metadata"]
                if metadata in (True, "true"):
                    code = urllib.parse.quote(service["service_code"])
                    status, ctype, body = call(f"{url}/services/{code}.{ext}")
                    check(status == 200 and ctype == fmt, f"services/{service['service_code']}.{ext} answers 200 {fmt}")
                    definition = parse(fmt, body)
                    definition = definition["service_definition"] if fmt == "text/xml" else definition  # JSON has no root name
                    attributes = definition["attributes"]
                    if fmt == "text/xml":
                        attributes = as_list(attributes["attribute"]) if attributes else []
                    for attribute in attributes:
                        check(attribute["code"] and attribute["datatype"] in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"),
                              f"{service['service_code']} attribute {attribute['code']} has a GeoReport datatype ({attribute['datatype']})")

        for fmt in formats:
            ext = EXTENSIONS[fmt]
            form = {"api_key": api_key, "service_code": codes[0], "long": lon, "lat": lat,
                    "description": f"client test ({ext}): 人行道上有杂物", "idempotency_key": f"client-{ext}"}
            status, ctype, body = call(f"{url}/requests.{ext}", form)
            check(status in (200, 201) and ctype == fmt, f"POST requests.{ext} answers {status} {fmt} (got {ctype}): {body[:200]!r}")
            created = parse(fmt, body)
            created = as_list(created["service_requests"]["request"])[0] if fmt == "text/xml" else created[0]
            request_id = created.get("service_request_id")
            check(request_id, f"POST requests.{ext} gives a service_request_id ({created})")
            status, ctype, body = call(f"{url}/requests/{urllib.parse.quote(request_id)}.{ext}")
            check(status == 200 and ctype == fmt, f"requests/{request_id}.{ext} answers 200 {fmt} (got {status} {ctype})")
            read = parse(fmt, body)
            read = as_list(read["service_requests"]["request"])[0] if fmt == "text/xml" else read[0]
            check(read["service_request_id"] == request_id and read["status"] in ("open", "closed"),
                  f"requests/{request_id}.{ext} reads back the request, status {read['status']}")
            status, ctype, body = call(f"{url}/services/no-such-service.{ext}")
            errors = parse(fmt, body)
            errors = as_list(errors["errors"]["error"]) if fmt == "text/xml" else errors
            check(status == 404 and ctype == fmt and errors[0]["description"], f"an unknown service answers 404 {fmt} with an error list")

    print("all checks held")


if __name__ == "__main__":
    main()
