#!/usr/bin/env python3
"""Check an IMS Portal evidence pack offline, without the portal: ``python3 verify_pack.py PACK.zip``.

Needs Python 3.8 or later and nothing else. It checks that
1. ``manifest.json``'s ``contents_sha256`` is the SHA-256 of its ``contents`` in canonical JSON (keys sorted,
   no spaces, UTF-8), the digest printed in the footer of every page of ``pack.pdf``;
2. every file the manifest lists (the PDF and each attachment) is in the ZIP with that SHA-256 and size, and
   the ZIP holds no other file than those, the manifest, ``SHA256SUMS``, this checker and ``README.txt``;
3. ``SHA256SUMS`` agrees with the manifest (so ``sha256sum -c SHA256SUMS`` in the unpacked folder checks the
   same files).
It prints one line per check and ends with ``PACK OK`` (exit code 0) or ``PACK FAILED`` (exit code 1). The
seal (an HMAC under the portal's key) and the release e-signature are checked by the portal:
``manage.py verify_pack PACK.zip``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile

FORMAT = "ims-evidence-pack/1"
KNOWN_EXTRA = {"manifest.json", "SHA256SUMS", "verify_pack.py", "README.txt"}


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def contents_digest(contents) -> str:
    return hashlib.sha256(canonical(contents)).hexdigest()


def check_bundle(path) -> list[str]:
    """The problems found in the bundle at ``path`` (empty: the pack is intact)."""
    problems: list[str] = []
    try:
        bundle = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return [f"not a readable ZIP file: {error}"]
    with bundle:
        names = set(bundle.namelist())
        if "manifest.json" not in names:
            return ["manifest.json is missing"]
        try:
            manifest = json.loads(bundle.read("manifest.json").decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            return [f"manifest.json is not valid JSON: {error}"]
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            return [f"manifest.json is not an evidence-pack manifest ({FORMAT})"]
        contents = manifest.get("contents")
        if not isinstance(contents, dict):
            return ["manifest.json has no contents"]
        if contents_digest(contents) != manifest.get("contents_sha256"):
            problems.append("the manifest's contents do not match its digest (contents_sha256): it was changed")
        files = manifest.get("files")
        if not isinstance(files, list) or not files:
            return problems + ["the manifest lists no files"]
        listed = set()
        for entry in files:
            name, expected, size = entry.get("file"), entry.get("sha256"), entry.get("size")
            listed.add(name)
            if name not in names:
                problems.append(f"{name}: missing from the bundle")
                continue
            data = bundle.read(name)
            if hashlib.sha256(data).hexdigest() != expected:
                problems.append(f"{name}: SHA-256 differs from the manifest (the file was changed)")
            elif size is not None and len(data) != size:
                problems.append(f"{name}: size differs from the manifest")
        for name in sorted(names - listed - KNOWN_EXTRA):
            if not name.endswith("/"):
                problems.append(f"{name}: in the bundle but not in the manifest")
        attachments = {a.get("file"): a.get("sha256") for a in contents.get("attachments", [])}
        by_file = {entry.get("file"): entry.get("sha256") for entry in files}
        for name, digest in attachments.items():
            if by_file.get(name) != digest:
                problems.append(f"{name}: the contents and the file list disagree")
        if "SHA256SUMS" in names:
            sums = {}
            for line in bundle.read("SHA256SUMS").decode("utf-8", "replace").splitlines():
                if line.strip():
                    digest, _, name = line.partition("  ")
                    sums[name.strip()] = digest.strip()
            for name, digest in by_file.items():
                if sums.get(name) != digest:
                    problems.append(f"SHA256SUMS: {name} does not match the manifest")
        else:
            problems.append("SHA256SUMS is missing")
    return problems


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python3 verify_pack.py PACK.zip", file=sys.stderr)
        return 2
    problems = check_bundle(argv[0])
    try:
        with zipfile.ZipFile(argv[0]) as bundle:
            manifest = json.loads(bundle.read("manifest.json"))
        contents = manifest["contents"]
        print(
            f"pack {contents.get('pack')}: {len(contents.get('records', []))} records, "
            f"{len(contents.get('attachments', []))} attachments, manifest {manifest.get('contents_sha256', '')[:12]}"
        )
    except Exception:  # noqa: BLE001, S110 - an unreadable bundle: the problems list says what is wrong
        pass
    for problem in problems:
        print(f"FAIL  {problem}")
    print("PACK OK" if not problems else "PACK FAILED")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
