#!/usr/bin/env python3
"""A tiny HTTP proxy between the AWS SDK and moto, for netpath's collection tests.

It forwards every request to the moto server (--upstream) and, on the way:

* logs each request's API action (the `Action=` of the EC2/RDS/STS query
  protocol) to --log, one line each, so tests can assert what was called;
* answers throttling and server errors instead of forwarding for the first
  --faults requests: EC2 `RequestLimitExceeded` (503) and `InternalError` (500),
  RDS `Throttling` (400), so the SDK's retries are exercised;
* answers an authorisation error for every call of --deny ACTION
  (EC2 `UnauthorizedOperation` 403, RDS `AccessDenied` 403);
* answers STS `AccessDenied` to an `AssumeRole` into --deny-assume ACCOUNT,
  as a role whose trust policy does not name the caller would (moto does
  not enforce trust policies);
* answers EC2 `AuthFailure` (401) to every call signed for --deny-region
  REGION, as an opt-in region that is not enabled does (moto serves every
  region);
* answers the Direct Connect calls itself, which moto 5.2.5 does not serve
  (a 500 for every Direct Connect gateway call): DescribeDirectConnectGateways
  and DescribeDirectConnectGatewayAssociations from --dx FILE (JSON:
  {"gateways": [gateway objects], "associations": [association objects]},
  in the API's own camelCase shape), nothing without it; one item a page,
  so the collector follows `nextToken`; --deny applies to them too;
* with --paginate, pages EC2 Describe*/Get* list results itself: moto 5 ignores
  `MaxResults`, so the proxy forwards without `MaxResults`/`NextToken`, cuts
  the list to `MaxResults` items and adds a `nextToken`. The SDK's paginators
  then really follow several pages over HTTP.

Standard library only. Prints its port on stdout once listening.
"""
import argparse
import http.client
import json
import http.server
import re
import sys
import threading
import urllib.parse

LISTS = {
    "DescribeVpcs": "vpcSet",
    "DescribeSubnets": "subnetSet",
    "DescribeSecurityGroups": "securityGroupInfo",
    "DescribeNetworkAcls": "networkAclSet",
    "DescribeRouteTables": "routeTableSet",
    "DescribeVpcPeeringConnections": "vpcPeeringConnectionSet",
    "DescribeNetworkInterfaces": "networkInterfaceSet",
    "DescribeInstances": "reservationSet",
    "DescribeInternetGateways": "internetGatewaySet",
    "DescribeEgressOnlyInternetGateways": "egressOnlyInternetGatewaySet",
    "DescribeNatGateways": "natGatewaySet",
    "DescribeManagedPrefixLists": "prefixListSet",
    "GetManagedPrefixListEntries": "entrySet",
}

EC2_ERR = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
           '<Message>{msg}</Message></Error></Errors><RequestID>netpath-fault</RequestID></Response>')
RDS_ERR = ('<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{msg}</Message></Error>'
           '<RequestId>netpath-fault</RequestId></ErrorResponse>')


def top_items(body, start, end):
    """Spans of the top-level <item>...</item> children between start and end."""
    spans, depth, pos, item_start = [], 0, start, None
    tag = re.compile(r"<(/?)item(\s*/)?>")
    while True:
        m = tag.search(body, pos, end)
        if not m:
            break
        closing, selfclosing = m.group(1), m.group(2)
        if selfclosing:
            if depth == 0:
                spans.append((m.start(), m.end()))
        elif not closing:
            if depth == 0:
                item_start = m.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                spans.append((item_start, m.end()))
        pos = m.end()
    return spans


def paginate(body, list_tag, offset, size):
    m = re.search(r"<%s>(.*)</%s>" % (list_tag, list_tag), body, re.S)
    if not m:
        return body
    spans = top_items(body, m.start(1), m.end(1))
    page = spans[offset:offset + size]
    inner = "".join(body[a:b] for a, b in page)
    out = body[:m.start(1)] + inner + body[m.end(1):]
    out = re.sub(r"<nextToken>[^<]*</nextToken>", "", out)
    if offset + size < len(spans):
        close = out.rindex("</")
        out = out[:close] + "<nextToken>%d</nextToken>" % (offset + size) + out[close:]
    return out


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.count = 0


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body, ctype="text/xml"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
            action = form.get("Action", ["?"])[0]
            target = self.headers.get("X-Amz-Target", "")
            if target:
                # The JSON protocol (Organizations) names the action here.
                action = target.rsplit(".", 1)[-1]
            auth = self.headers.get("Authorization", "")
            # The SigV4 credential scope names the signing service.
            service = ("rds" if "/rds/" in auth else "sts" if "/sts/" in auth
                       else "elasticloadbalancing" if "/elasticloadbalancing/" in auth
                       else "organizations" if "/organizations/" in auth
                       else "directconnect" if "/directconnect/" in auth else "ec2")
            with state.lock:
                with open(state.args.log, "a") as f:
                    f.write("%s:%s\n" % (service, action))
            a = state.args
            if (a.deny_assume and action == "AssumeRole"
                    and (":%s:" % a.deny_assume) in form.get("RoleArn", [""])[0]):
                return self.reply(403, RDS_ERR.format(
                    code="AccessDenied",
                    msg="User is not authorized to perform: sts:AssumeRole on resource: %s" % form["RoleArn"][0]))
            if a.deny_region and ("/%s/" % a.deny_region) in auth:
                return self.reply(401, EC2_ERR.format(
                    code="AuthFailure",
                    msg="AWS was not able to validate the provided access credentials"))
            if a.deny and action == a.deny:
                if service == "directconnect":
                    return self.reply(400, json.dumps({"__type": "DirectConnectClientException",
                                                       "message": "User is not authorized to perform: directconnect:%s" % action}),
                                      "application/x-amz-json-1.1")
                if service in ("rds", "sts", "elasticloadbalancing"):
                    return self.reply(403, RDS_ERR.format(code="AccessDenied", msg="User is not authorized to perform: rds:%s" % action))
                return self.reply(403, EC2_ERR.format(code="UnauthorizedOperation", msg="You are not authorized to perform this operation."))
            if target.startswith("OvertureService."):
                return self.direct_connect(action, raw)
            with state.lock:
                state.count += 1
                n = state.count
            if n <= a.faults:
                if service in ("rds", "sts"):
                    return self.reply(400, RDS_ERR.format(code="Throttling", msg="Rate exceeded"))
                if n % 2:
                    return self.reply(503, EC2_ERR.format(code="RequestLimitExceeded", msg="Request limit exceeded."))
                return self.reply(500, EC2_ERR.format(code="InternalError", msg="An internal error has occurred"))
            size = offset = None
            if a.paginate and action in LISTS and "MaxResults" in form:
                size = int(form.pop("MaxResults")[0])
                offset = int(form.pop("NextToken", ["0"])[0])
                raw = urllib.parse.urlencode({k: v[0] for k, v in form.items()}).encode()
            up = urllib.parse.urlparse(a.upstream)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "host", "connection")}
            headers["Content-Length"] = str(len(raw))
            conn.request("POST", self.path, raw, headers)
            resp = conn.getresponse()
            body = resp.read().decode()
            conn.close()
            if size is not None and resp.status == 200:
                body = paginate(body, LISTS[action], offset, size)
            self.reply(resp.status, body, resp.getheader("Content-Type", "text/xml"))

        def direct_connect(self, action, raw):
            """The Direct Connect gateway calls, from --dx, a page an item."""
            body = json.loads(raw.decode() or "{}")
            dx = {"gateways": [], "associations": []}
            if state.args.dx:
                with open(state.args.dx) as f:
                    dx = json.load(f)
            if action == "DescribeDirectConnectGateways":
                items, key = dx["gateways"], "directConnectGateways"
            elif action == "DescribeDirectConnectGatewayAssociations":
                gw = body.get("directConnectGatewayId")
                items = [a for a in dx["associations"] if a.get("directConnectGatewayId") == gw]
                key = "directConnectGatewayAssociations"
            else:
                return self.reply(400, json.dumps({"__type": "DirectConnectClientException",
                                                   "message": "not served by the test proxy: %s" % action}),
                                  "application/x-amz-json-1.1")
            start = int(body.get("nextToken") or 0)
            out = {key: items[start:start + 1]}
            if start + 1 < len(items):
                out["nextToken"] = str(start + 1)
            self.reply(200, json.dumps(out), "application/x-amz-json-1.1")

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--faults", type=int, default=0)
    p.add_argument("--deny", default="")
    p.add_argument("--deny-assume", default="")
    p.add_argument("--deny-region", default="")
    p.add_argument("--paginate", action="store_true")
    p.add_argument("--dx", default="")
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(State(args)))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
