#!/usr/bin/env python3
"""Writes the seed corpora of the DNS fuzz targets that take more than a
message (fuzz/corpus/fuzz_dns_{scrub,cache,intake}/): a few small inputs
each, in the layout the target's header comment describes, built from the
codec fuzzer's seeds (fuzz/corpus/fuzz_dns_message/) and messages written
here. Run from anywhere: python3 scripts/dns_fuzz_seeds.py"""
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def codec_seed(name):
    return (CORPUS / "fuzz_dns_message" / name).read_bytes()


def dname(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(ident, flags, qd, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", ident, flags, qd, an, ns, ar)


def question(name, qtype=1, qclass=1):
    return dname(name) + struct.pack(">HH", qtype, qclass)


def record(owner, rtype, ttl, rdata, rclass=1):
    return dname(owner) + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def opt(size=1232, version=0):
    return b"\0" + struct.pack(">HHBBHH", 41, size, 0, version, 0, 0)


A, NS, CNAME, SOA, AAAA, DNAME = 1, 2, 5, 6, 28, 39
QUERY_RD, REPLY_RD_RA = 0x0100, 0x8180

soa = dname("ns1.example.com.") + dname("admin.example.com.") + struct.pack(">IIIII", 1, 7200, 900, 1209600, 300)
dname_reply = (header(7, REPLY_RD_RA, 1, 3) + question("www.sub.example.com.") +
               record("sub.example.com.", DNAME, 300, dname("other.example.net.")) +
               record("www.sub.example.com.", CNAME, 300, dname("www.other.example.net.")) +
               record("www.other.example.net.", A, 300, bytes([192, 0, 2, 7])))
cname_loop = (header(8, REPLY_RD_RA, 1, 2) + question("a.example.com.") +
              record("a.example.com.", CNAME, 60, dname("b.example.com.")) +
              record("b.example.com.", CNAME, 60, dname("A.example.com.")))
poisoned = (header(9, REPLY_RD_RA, 1, 2, 1, 1) + question("www.example.com.") +
            record("www.example.com.", A, 0xFFFFFFFF, bytes([192, 0, 2, 1])) +
            record("www.bank.test.", A, 300, bytes([6, 6, 6, 6])) +
            record("example.com.", SOA, 300, soa) +
            record("ns.bank.test.", AAAA, 300, bytes(16)))
nodata = header(10, REPLY_RD_RA, 1, 0, 1) + question("example.com.", AAAA) + record("example.com.", SOA, 600, soa)

scrub = {
    "www_answer_root": b"\x00\x0f" + codec_seed("www_answer"),
    "www_answer_own_zone": b"\x02\x0f" + codec_seed("www_answer"),
    "nxdomain_soa": b"\x01\x0f" + codec_seed("nxdomain_soa"),
    "referral_from_owner": b"\x80\x0f" + codec_seed("referral"),
    "mx_glue_other_type": b"\x00\x1f" + codec_seed("mx_glue"),
    "dname_chain": b"\x03\x0f" + dname_reply,
    "cname_loop_short_limit": b"\x02\x01" + cname_loop,
    "poisoned_upper_case": b"\x02\x2f" + poisoned,
    "nodata": b"\x00\x0f" + nodata,
}


def policy(max_bytes_units, stale, min_ttl, max_ttl, max_neg, servfail, max_stale, stale_ttl):
    return struct.pack(">HBBBBBBB", max_bytes_units, stale, min_ttl, max_ttl, max_neg, servfail, max_stale, stale_ttl)


def store(q, reply):
    return bytes([0, q]) + struct.pack(">H", len(reply)) + reply


def find(q, pattern=0x55, flags=1, ident=0x4242, size=0xff):
    return bytes([2, q, pattern, flags]) + struct.pack(">H", ident) + bytes([size])


def advance(byte):
    return bytes([3, byte])


cache = {
    "store_find_count_down": policy(1023, 0, 0, 200, 100, 5, 60, 30) + store(0, codec_seed("www_answer")) +
    find(0) + advance(0x81) + find(1, 0xAA, 7, 1, 0) + advance(0x82) + find(0),
    "negative_then_stale": policy(1023, 1, 0, 200, 100, 5, 250, 30) + store(2, nodata) + find(2) +
    advance(0x85) + find(2, 0, 0) + advance(0x81) + find(2),
    "servfail_then_answer": policy(1023, 0, 0, 200, 100, 5, 60, 30) + bytes([1, 3]) + find(3) +
    store(3, poisoned) + find(3, 0xFF, 1, 9, 0) + bytes([4, 3]) + find(3),
    "eviction_small": policy(7, 0, 0, 200, 100, 5, 60, 30) + store(0, codec_seed("www_answer")) +
    store(2, codec_seed("mx_glue")) + store(3, codec_seed("referral")) + find(0) + find(2) + find(3),
    "truncated_render": policy(1023, 0, 0, 255, 255, 5, 60, 30) + store(0, codec_seed("srv_aaaa_cookie")) +
    find(0, 0x0F, 0, 3, 0) + find(4),
}

query = codec_seed("www_query")
no_edns = header(0x1111, QUERY_RD, 1) + question("www.example.com.", AAAA)
intake = {
    "query_edns": query,
    "query_no_edns": no_edns,
    "two_questions": header(0x2222, QUERY_RD, 2) + question("a.example.") + question("b.example."),
    "reply": header(0x3333, REPLY_RD_RA, 1) + question("a.example."),
    "short": b"\x12\x34\x01\x00\x00",
    "notify": header(0x4444, 0x2000, 1) + question("example.com.", SOA) + opt(),
    "edns_version_1": header(0x5555, QUERY_RD, 1, 0, 0, 1) + question("example.com.") + opt(4096, 1),
    "axfr": header(0x6666, 0, 1) + question("example.com.", 252),
    "counts_past_end": header(0x7777, QUERY_RD, 3) + question("a.example."),
    "answer_in_query": header(0x8888, QUERY_RD, 1, 1) + question("a.example.") +
    record("a.example.", A, 1, bytes(4)),
}

for target, seeds in {"fuzz_dns_scrub": scrub, "fuzz_dns_cache": cache, "fuzz_dns_intake": intake}.items():
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        old.unlink()
    for name, data in seeds.items():
        (directory / name).write_bytes(data)
    print(f"{directory.relative_to(ROOT)}: {len(seeds)} seeds")
