#!/usr/bin/env python3
"""Encrypts a filled XForm instance and its media as ODK Collect does for a form with a public
key, written from ODK's description of the scheme with Python's `cryptography` package (PyPI),
independently of duluan's Rust code: the test posts what this writes and checks that duluan
decrypts it.

Usage: odk_encrypt.py PUBLIC_KEY_BASE64 FORM_ID VERSION INSTANCE_ID SUBMISSION_XML OUT_DIR [MEDIA...]

Writes OUT_DIR/submission.xml (the manifest), OUT_DIR/NAME.enc for each media file and
OUT_DIR/submission.xml.enc. The scheme:
- a random 256-bit AES key, encrypted with RSA-OAEP (SHA-256, MGF1 SHA-256), base64;
- IV seed: MD5(instance id UTF-8 + AES key); before each file (media in order, then the
  instance) byte i % 16 of the seed goes up by one (mod 256), i counting files from 0;
- each file: AES-256-CFB (128-bit segments) of the bytes padded with PKCS#7;
- signature: MD5 of the lines form id, version, encrypted key, instance id, then
  NAME::md5hex of each media file and of submission.xml, each line ending in a newline,
  encrypted with RSA-OAEP as the key, base64.
"""

import base64
import hashlib
import os
import sys

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def main():
    pub_b64, form_id, version, instance_id, xml_path, out = sys.argv[1:7]
    media = sys.argv[7:]
    public = serialization.load_der_public_key(base64.b64decode(pub_b64))
    oaep = asym.OAEP(
        mgf=asym.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    )
    key = os.urandom(32)
    enc_key = base64.b64encode(public.encrypt(key, oaep)).decode()
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())
    os.makedirs(out, exist_ok=True)
    lines = [form_id, version, enc_key, instance_id]
    files = [(os.path.basename(p), p) for p in media] + [("submission.xml", xml_path)]
    for i, (name, path) in enumerate(files):
        seed[i % 16] = (seed[i % 16] + 1) % 256
        with open(path, "rb") as f:
            plain = f.read()
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plain) + padder.finalize()
        enc = Cipher(algorithms.AES(key), modes.CFB(bytes(seed))).encryptor()
        with open(os.path.join(out, name + ".enc"), "wb") as f:
            f.write(enc.update(padded) + enc.finalize())
        lines.append(f"{name}::{hashlib.md5(plain).hexdigest()}")
    signed = hashlib.md5("".join(line + "\n" for line in lines).encode("utf-8")).digest()
    signature = base64.b64encode(public.encrypt(signed, oaep)).decode()
    media_xml = "".join(f"<media><file>{name}.enc</file></media>" for name, _ in files[:-1])
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<data xmlns="http://www.opendatakit.org/xforms/encrypted" id="{form_id}" '
        f'version="{version}" encrypted="yes">'
        f"<base64EncryptedKey>{enc_key}</base64EncryptedKey>"
        '<orx:meta xmlns:orx="http://openrosa.org/xforms">'
        f"<orx:instanceID>{instance_id}</orx:instanceID></orx:meta>"
        f"{media_xml}"
        "<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature>"
        "</data>"
    )
    with open(os.path.join(out, "submission.xml"), "w", encoding="utf-8") as f:
        f.write(manifest)


if __name__ == "__main__":
    main()
