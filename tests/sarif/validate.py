#!/usr/bin/env python3
"""Validate a SARIF log against the SARIF 2.1.0 JSON schema.

Usage: validate.py SCHEMA.json LOG.sarif   (exit 0 valid, 1 invalid)
The schema ships in the npm package @microsoft/jest-sarif
(lib/schemas/sarif-2.1.0-rtm.5.json); .ci/run installs it.
"""
import json, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
validator = jsonschema.Draft7Validator(schema)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for e in errors[:20]:
    print(f"{'/'.join(map(str, e.path))}: {e.message}")
print(f"{sys.argv[2]}: {'valid' if not errors else f'{len(errors)} schema errors'} against {sys.argv[1]}")
sys.exit(1 if errors else 0)
