#!/usr/bin/env python3
"""Benchmark: `netpath snapshot` against the AWS CLI making the same describe
calls one after another, on the same moto server holding ~2,000 resources.

    python3 crates/collect/benches/collect_vs_awscli.py [--runs 3] [--netpath target/release/netpath]

It creates (or reuses) the virtualenv the tests use (target/moto-venv) and adds
awscli and boto3 to it, builds netpath in release mode when the binary is
missing, starts moto_server on a free port, builds the world with boto3, then
times both sides (median of --runs) and prints the ratio. Target: netpath at
least 3x faster in wall time. Not a test: timing depends on the machine.

Organization mode:

    python3 crates/collect/benches/collect_vs_awscli.py --org [--accounts 20] [--regions us-east-1,us-west-2] [--runs 3] [--netpath PATH]

builds an AWS Organization in moto (CreateOrganization, then --accounts
CreateAccount calls; the management account is moto's default 123456789012)
and, through role NetpathReadOnly assumed in each member account, a small
network in each of --regions (2 VPCs, each with 2 subnets, 3 security groups
with a rule, 3 network interfaces, an attached internet gateway and a route
table with a default route). It times `netpath snapshot --org --region ...`
(and checks the snapshot has one partition per (account, region), the
management account included) against a bash script that does the same work
the way a person would: list the accounts, then for each member account
`aws sts assume-role` and export the credentials, then for each region the
describe calls above, one after another; the management account uses its own
credentials. Target: netpath at least 5x faster in wall time.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VENV = os.environ.get("NETPATH_MOTO_VENV", os.path.join(ROOT, "target", "moto-venv"))
MOTO = "moto[server]==5.2.5"


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        sh(sys.executable, "-m", "venv", VENV)
    if not os.path.exists(os.path.join(VENV, "bin", "moto_server")):
        sh(os.path.join(VENV, "bin", "pip"), "install", "--quiet", MOTO)
    if not os.path.exists(os.path.join(VENV, "bin", "aws")):
        sh(os.path.join(VENV, "bin", "pip"), "install", "--quiet", "awscli", "boto3")
    return py


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


WORLD = r'''
import boto3, sys
url = sys.argv[1]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, rds = boto3.client("ec2", **kw), boto3.client("rds", **kw)
n = 0
vpcs = []
for v in range(5):
    vid = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]; n += 1
    vpcs.append(vid)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]; n += 1
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    subnets = []
    for s in range(10):
        subnets.append(ec2.create_subnet(VpcId=vid, CidrBlock=f"10.{v}.{s}.0/24")["Subnet"]["SubnetId"]); n += 1
    for r in range(4):
        rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]; n += 1
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=subnets[r])
    for a in range(2):
        acl = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"]; n += 1
        for e in range(10):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100 + e * 10, Egress=bool(e % 2), Protocol="6",
                                         RuleAction="allow", CidrBlock="10.0.0.0/8", PortRange={"From": 1024, "To": 65535})
    groups = []
    for g in range(80):
        gid = ec2.create_security_group(VpcId=vid, GroupName=f"g{v}-{g}", Description="bench")["GroupId"]; n += 1
        perms = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        if groups:
            perms.append({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": groups[-1]}]})
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
        groups.append(gid)
    for e in range(220):
        ec2.create_network_interface(SubnetId=subnets[e % 10], Groups=[groups[e % 80]]); n += 1
    ec2.run_instances(ImageId="ami-785db401", MinCount=40, MaxCount=40, SubnetId=subnets[5], SecurityGroupIds=[groups[0]]); n += 40
    rds.create_db_subnet_group(DBSubnetGroupName=f"sg{v}", DBSubnetGroupDescription="bench", SubnetIds=subnets[8:10])
    for d in range(2):
        rds.create_db_instance(DBInstanceIdentifier=f"db-{v}-{d}", Engine="postgres", DBInstanceClass="db.t3.micro",
                               AllocatedStorage=20, MasterUsername="bench", MasterUserPassword="bench-password-1",
                               DBSubnetGroupName=f"sg{v}", VpcSecurityGroupIds=[groups[1]]); n += 1
for v in range(0, 4, 2):
    p = ec2.create_vpc_peering_connection(VpcId=vpcs[v], PeerVpcId=vpcs[v + 1])["VpcPeeringConnection"]["VpcPeeringConnectionId"]; n += 1
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=p)
print(n)
'''

EC2_CALLS = ["describe-vpcs", "describe-subnets", "describe-security-groups", "describe-network-acls",
             "describe-route-tables", "describe-vpc-peering-connections", "describe-network-interfaces",
             "describe-instances", "describe-internet-gateways", "describe-nat-gateways",
             "describe-managed-prefix-lists", "describe-egress-only-internet-gateways",
             "describe-transit-gateways", "describe-transit-gateway-attachments",
             "describe-transit-gateway-vpc-attachments", "describe-transit-gateway-route-tables",
             "describe-vpn-gateways", "describe-vpn-connections"]


ORG_WORLD = r"""
import boto3, json, sys
url, n_accounts, regions = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
kw = dict(endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing")
orgs = boto3.client("organizations", region_name="us-east-1", **kw)
sts = boto3.client("sts", region_name="us-east-1", **kw)
orgs.create_organization(FeatureSet="ALL")
me = sts.get_caller_identity()["Account"]
accounts = []
for a in range(n_accounts):
    st = orgs.create_account(Email=f"bench-{a}@example.com", AccountName=f"bench-{a}")["CreateAccountStatus"]
    accounts.append(st["AccountId"])
n = 0
for i, acct in enumerate(accounts):
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/NetpathReadOnly",
                        RoleSessionName="netpath-bench")["Credentials"]
    creds = dict(endpoint_url=url, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                 aws_session_token=c["SessionToken"])
    for r, region in enumerate(regions):
        ec2 = boto3.client("ec2", region_name=region, **creds)
        for v in range(2):
            second = (i * 8 + r * 2 + v) % 256  # distinct CIDRs across the organization
            vid = ec2.create_vpc(CidrBlock=f"10.{second}.0.0/16")["Vpc"]["VpcId"]; n += 1
            igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]; n += 1
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
            subnets = []
            for s in range(2):
                subnets.append(ec2.create_subnet(VpcId=vid, CidrBlock=f"10.{second}.{s}.0/24")["Subnet"]["SubnetId"]); n += 1
            rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]; n += 1
            ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
            ec2.associate_route_table(RouteTableId=rt, SubnetId=subnets[0])
            groups = []
            for g in range(3):
                gid = ec2.create_security_group(VpcId=vid, GroupName=f"bench-{v}-{g}", Description="bench")["GroupId"]; n += 1
                ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
                groups.append(gid)
            for e in range(3):
                ec2.create_network_interface(SubnetId=subnets[e % 2], Groups=[groups[e]]); n += 1
print(json.dumps({"management": me, "accounts": accounts, "resources": n}))
"""

# The AWS CLI side of the organization benchmark, as a person would script
# it: $1 the endpoint, $2 the aws executable, $3 the role name, then the
# regions.
ORG_CLI = r"""
set -euo pipefail
URL=$1; AWS=$2; ROLE=$3; shift 3
REGIONS=("$@")
EC2_CALLS=(%s)
aws_() { "$AWS" --endpoint-url "$URL" "$@"; }
read_regions() {
  for region in "${REGIONS[@]}"; do
    for call in "${EC2_CALLS[@]}"; do
      aws_ --region "$region" ec2 "$call" --output json >/dev/null
    done
    for pl in $(aws_ --region "$region" ec2 describe-managed-prefix-lists \
                  --query 'PrefixLists[].PrefixListId' --output text); do
      aws_ --region "$region" ec2 get-managed-prefix-list-entries --prefix-list-id "$pl" --output json >/dev/null
    done
    aws_ --region "$region" rds describe-db-instances --output json >/dev/null
  done
}
ME=$(aws_ sts get-caller-identity --query Account --output text)
ACCOUNTS=$(aws_ organizations list-accounts --query 'Accounts[?Status==`ACTIVE`].Id' --output text)
read_regions  # the management account, with its own credentials
for acct in $ACCOUNTS; do
  [ "$acct" = "$ME" ] && continue
  read -r AK SK ST <<<"$(aws_ sts assume-role --role-arn "arn:aws:iam::$acct:role/$ROLE" \
      --role-session-name netpath-bench \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
  (
    export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$ST
    read_regions
  )
done
""" % " ".join(EC2_CALLS)


def start_moto():
    """moto_server on a free port, once it accepts connections: (process, URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen([os.path.join(VENV, "bin", "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return moto, url


def org_main(args, py):
    """The organization benchmark: --accounts member accounts x --regions."""
    n_accounts = 20 if args.accounts is None else args.accounts
    regions = [r for r in (args.regions or "us-east-1,us-west-2").split(",") if r]
    moto, url = start_moto()
    try:
        t = time.time()
        world = json.loads(subprocess.run([py, "-c", ORG_WORLD, url, str(n_accounts), ",".join(regions)],
                                          check=True, capture_output=True, text=True).stdout)
        print(f"moto organization: {n_accounts} member accounts + management, {len(regions)} regions, "
              f"{world['resources']} resources created in {time.time() - t:.1f} s")
        home = tempfile.mkdtemp()
        out = os.path.join(home, "org.json")
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   HOME=home, AWS_CONFIG_FILE=os.path.join(home, "config"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "credentials"))
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        aws = os.path.join(VENV, "bin", "aws")
        cmd = [args.netpath, "snapshot", "--org", "--endpoint-url", url, "--out", out, "--allow-partial"]
        for r in regions:
            cmd += ["--region", r]

        def netpath_once():
            t = time.perf_counter()
            p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            took = time.perf_counter() - t
            if p.returncode != 0:
                sys.exit(f"netpath failed ({p.returncode}):\n{p.stderr}")
            return took

        def awscli_once():
            t = time.perf_counter()
            sh("bash", "-c", ORG_CLI, "org-cli", url, aws, "NetpathReadOnly", *regions, env=env)
            return time.perf_counter() - t

        netpath_once()  # warm moto's lazily created defaults
        np = statistics.median(netpath_once() for _ in range(args.runs))
        with open(out) as f:
            md = json.load(f)["metadata"]
        got = {(p["account_id"], p.get("region")) for p in md.get("partitions", [])}
        want = {(a, r) for a in [world["management"]] + world["accounts"] for r in regions}
        print(f"snapshot: {len(md.get('partitions', []))} partitions (want {len(want)} = "
              f"({n_accounts} + 1) accounts x {len(regions)} regions), {len(md.get('gaps', []))} gaps")
        if got != want or len(md.get("partitions", [])) != len(want):
            sys.exit(f"partitions do not match: missing {sorted(want - got)}, unexpected {sorted(got - want)}")
        cli = statistics.median(awscli_once() for _ in range(args.runs))
        ratio = cli / np
        print(f"{'netpath snapshot --org':<28}{np:8.2f} s")
        print(f"{'aws cli, call after call':<28}{cli:8.2f} s")
        print(f"ratio: netpath is {ratio:.1f}x faster (target: 5x) -> {'OK' if ratio >= 5 else 'BELOW TARGET'}")
    finally:
        moto.terminate()
        moto.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--netpath", default=os.path.join(ROOT, "target", "release", "netpath"))
    ap.add_argument("--org", action="store_true", help="the organization benchmark instead (target: 5x)")
    ap.add_argument("--accounts", type=int, help="--org: member accounts to create (default 20)")
    ap.add_argument("--regions", help="--org: comma-separated regions (default us-east-1,us-west-2)")
    args = ap.parse_args()
    if not args.org and (args.accounts is not None or args.regions is not None):
        ap.error("--accounts and --regions need --org")
    if args.org and (args.accounts if args.accounts is not None else 20) < 1:
        ap.error("--accounts must be at least 1")
    py = ensure_venv()
    if not os.path.exists(args.netpath):
        sh("cargo", "build", "--release", "-p", "netpath-cli", cwd=ROOT)
    if args.org:
        return org_main(args, py)
    moto, url = start_moto()
    try:
        t = time.time()
        n = int(subprocess.run([py, "-c", WORLD, url], check=True, capture_output=True, text=True).stdout.strip())
        print(f"moto world: {n} resources created in {time.time() - t:.1f} s")
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
        out = tempfile.mkdtemp()
        aws = os.path.join(VENV, "bin", "aws")

        def netpath_once():
            t = time.perf_counter()
            # moto serves no Direct Connect gateways: that call is a gap.
            sh(args.netpath, "snapshot", "--out", os.path.join(out, "s.json"), "--endpoint-url", url,
               "--region", "us-east-1", "--allow-partial", env=env, stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
            return time.perf_counter() - t

        def awscli_once():
            t = time.perf_counter()
            for c in EC2_CALLS:
                sh(aws, "--endpoint-url", url, "ec2", c, "--output", "json", env=env, stdout=subprocess.DEVNULL)
            lists = subprocess.run([aws, "--endpoint-url", url, "ec2", "describe-managed-prefix-lists",
                                    "--query", "PrefixLists[].PrefixListId", "--output", "text"],
                                   env=env, check=True, capture_output=True, text=True).stdout.split()
            for pl in lists:
                sh(aws, "--endpoint-url", url, "ec2", "get-managed-prefix-list-entries", "--prefix-list-id", pl,
                   "--output", "json", env=env, stdout=subprocess.DEVNULL)
            sh(aws, "--endpoint-url", url, "rds", "describe-db-instances", "--output", "json", env=env,
               stdout=subprocess.DEVNULL)
            return time.perf_counter() - t

        netpath_once()  # warm moto's lazily created defaults
        np = statistics.median(netpath_once() for _ in range(args.runs))
        cli = statistics.median(awscli_once() for _ in range(args.runs))
        ratio = cli / np
        print(f"{'netpath snapshot':<28}{np:8.2f} s")
        print(f"{'aws cli, call after call':<28}{cli:8.2f} s")
        print(f"ratio: netpath is {ratio:.1f}x faster (target: 3x) -> {'OK' if ratio >= 3 else 'BELOW TARGET'}")
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
