"""JSON schema of an in-toto Statement v1 carrying a SLSA provenance v1 predicate.

Written from the specifications (https://github.com/in-toto/attestation/blob/main/spec/v1/
statement.md, resource_descriptor.md; https://slsa.dev/provenance/v1): the required fields, their
types, and what a ResourceDescriptor must hold (one of uri, digest, content). cosign wraps our
predicate in a statement of type v0.1 or v1, both accepted.
"""

from __future__ import annotations

STATEMENT_TYPES = ["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"]
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"

DIGEST_SET = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "string", "pattern": "^[0-9a-fA-F]+$"},
}
RESOURCE_DESCRIPTOR = {
    "type": "object",
    "properties": {
        "uri": {"type": "string", "minLength": 1},
        "digest": DIGEST_SET,
        "name": {"type": "string"},
        "downloadLocation": {"type": "string"},
        "mediaType": {"type": "string"},
        "content": {"type": "string"},
        "annotations": {"type": "object"},
    },
    "anyOf": [{"required": ["uri"]}, {"required": ["digest"]}, {"required": ["content"]}],
    "additionalProperties": False,
}
TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
}
PROVENANCE = {
    "type": "object",
    "required": ["buildDefinition", "runDetails"],
    "properties": {
        "buildDefinition": {
            "type": "object",
            "required": ["buildType", "externalParameters"],
            "properties": {
                "buildType": {"type": "string", "format": "uri", "pattern": "^[a-z]+://"},
                "externalParameters": {"type": "object"},
                "internalParameters": {"type": "object"},
                "resolvedDependencies": {"type": "array", "items": RESOURCE_DESCRIPTOR},
            },
            "additionalProperties": False,
        },
        "runDetails": {
            "type": "object",
            "required": ["builder"],
            "properties": {
                "builder": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z]+:"},
                        "builderDependencies": {"type": "array", "items": RESOURCE_DESCRIPTOR},
                        "version": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                    "additionalProperties": False,
                },
                "metadata": {
                    "type": "object",
                    "properties": {
                        "invocationId": {"type": "string"},
                        "startedOn": TIMESTAMP,
                        "finishedOn": TIMESTAMP,
                    },
                    "additionalProperties": False,
                },
                "byproducts": {"type": "array", "items": RESOURCE_DESCRIPTOR},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
STATEMENT = {
    "type": "object",
    "required": ["_type", "subject", "predicateType", "predicate"],
    "properties": {
        "_type": {"enum": STATEMENT_TYPES},
        "subject": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["digest"],
                "properties": {"name": {"type": "string"}, "digest": DIGEST_SET},
            },
        },
        "predicateType": {"const": PREDICATE_TYPE},
        "predicate": PROVENANCE,
    },
}


def statement(digest: str, name: str, predicate: dict) -> dict:
    """The in-toto v1 statement `cosign attest --type slsaprovenance1` makes of a predicate."""
    return {
        "_type": STATEMENT_TYPES[0],
        "subject": [{"name": name, "digest": {"sha256": digest.removeprefix("sha256:")}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def problems(document: dict) -> list[str]:
    """Every schema violation of a statement, as `path: message` lines."""
    import jsonschema  # from the toolchain root (python3-jsonschema)

    validator = jsonschema.Draft202012Validator(
        STATEMENT, format_checker=jsonschema.FormatChecker()
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(document)
    ]
