"""The OpenAPI 3.1 description of the JSON API (served at /api/openapi.json)."""
from __future__ import annotations

from functools import lru_cache

from solver.numbers import MAX_DP, MAX_SIG
from solver.steps import KINDS, SCHEMA_VERSION, STATUSES

#: A request's precision (solver.numbers.precision_from reads it).
_PRECISION = {
    "oneOf": [
        {"type": "null"},
        {"type": "object", "maxProperties": 0, "description": "{}: the default, as null"},
        {"type": "object", "properties": {"dp": {"type": "integer", "minimum": 0, "maximum": MAX_DP}},
         "required": ["dp"], "additionalProperties": False},
        {"type": "object", "properties": {"sig": {"type": "integer", "minimum": 1, "maximum": MAX_SIG}},
         "required": ["sig"], "additionalProperties": False},
        {"type": "string", "examples": ["5dp", "4sf"]}],
    "description": "decimal places or significant figures for every number shown and every answer's tolerance "
                   "(default: 4 decimal places; for /api/ask, the precision the question states)",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Invalid input: `error.field` names the parameter, convention or body part."),
    "413": _json(_ref("Error"), "The request body is larger than the server accepts."),
    "415": _json(_ref("Error"), "The body is not sent as Content-Type: application/json."),
    "500": _json(_ref("Error"), "An internal error (a bug); `error.reference` identifies it in the server log."),
}

_VALUE = {"description": "Text as a user would type it (\"0.1\", \"[1, 2]\", \"1 2; 3 4\") or the JSON value.",
          "type": ["string", "number", "boolean", "array", "null"]}


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    schemas = {
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": ["string", "null"], "description": "the parameter, convention or part of the body at fault"},
                               "message": {"type": "string"},
                               "reference": {"type": "string", "description": "for internal errors: the id in the server log"}}}},
        },
        "FamilySummary": {
            "type": "object", "required": ["name", "title", "topic", "summary"],
            "properties": {"name": {"type": "string"}, "title": {"type": "string"}, "topic": {"type": "string"},
                           "summary": {"type": "string", "description": "the identity the family applies, in one line"},
                           "url": {"type": "string"}},
        },
        "FamilyList": {
            "type": "object", "required": ["families", "topics"],
            "properties": {"families": {"type": "array", "items": _ref("FamilySummary")},
                           "topics": {"type": "object", "additionalProperties": {"type": "string"}}},
        },
        "ParamSpec": {
            "type": "object", "required": ["name", "type", "accepts"], "additionalProperties": True,
            "properties": {"name": {"type": "string"}, "label": {"type": "string"}, "help": {"type": "string"},
                           "type": {"type": "string", "enum": ["real", "int", "bool", "choice", "vector", "matrix", "expression",
                                                                 "value", "text", "boolean", "group"]},
                           "accepts": {"type": "string", "description": "what the parameter accepts, in words"},
                           "required": {"type": "boolean"}, "default": {"type": ["string", "null"]},
                           "options": {"type": "object", "additionalProperties": {"type": "string"}},
                           "aliases": {"type": "array", "items": {"type": "string"},
                                       "description": "the names and symbols exams use for it (the question reader's)"},
                           "fields": {"type": "array", "items": {"type": "object"},
                                      "description": "for a group (a list of items, e.g. a network's layers): the "
                                                     "fields of one item, each a ParamSpec"},
                           "item": {"type": "string", "description": "for a group: what one item is called"}},
        },
        "ConventionSpec": {
            "type": "object", "required": ["name", "title", "options", "default"],
            "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                           "options": {"type": "object", "additionalProperties": {"type": "string"},
                                       "description": "option -> the sentence explaining it"},
                           "default": {"type": "string"}, "why_default": {"type": "string"}},
        },
        "Family": {
            "type": "object", "required": ["name", "title", "topic", "params", "conventions", "example"],
            "properties": {
                "name": {"type": "string"}, "title": {"type": "string"}, "topic": {"type": "string"},
                "summary": {"type": "string"}, "description": {"type": "string"},
                "params": {"type": "array", "items": _ref("ParamSpec")},
                "conventions": {"type": "array", "items": _ref("ConventionSpec")},
                "example": {"type": "object", "properties": {
                    "params": {"type": "object", "additionalProperties": {"type": "string"}},
                    "conventions": {"type": "object", "additionalProperties": {"type": "string"}},
                    "source": {"type": "string", "description": "where the worked example comes from"}}},
            },
        },
        "Problem": {
            "type": "object", "required": ["family"],
            "properties": {
                "family": {"type": "string", "description": "a family name from GET /api/families"},
                "params": {"type": "object", "additionalProperties": _VALUE},
                "conventions": {"type": "object", "additionalProperties": {"type": ["string", "number"]},
                                "description": "convention name -> chosen option; defaults apply to the rest"},
                "path": {"type": "string", "enum": ["auto", "exact", "numeric"], "default": "auto"},
                "precision": _PRECISION,
            },
        },
        "CheckRequest": {
            "allOf": [_ref("Problem"), {"type": "object", "required": ["answers"], "properties": {
                "answers": {"type": "object", "additionalProperties": _VALUE,
                            "description": "answer name, or a trace entry's address such as loss@t=3 or "
                                           "w@epoch=1 -> the value to check (text as typed, or JSON); numbers may be "
                                           "exact forms such as 1/3, sqrt(2)/2, (17+sqrt(205))/3 or ln 2, and "
                                           "vectors of them with commas"}}}],
        },
        "Math": {"type": ["object", "null"], "required": ["latex", "text"],
                 "properties": {"latex": {"type": "string"}, "text": {"type": "string"}}},
        "Table": {"type": ["object", "null"], "required": ["columns", "rows"],
                  "properties": {"columns": {"type": "array", "items": _ref("Math")},
                                 "rows": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}}},
        "Step": {
            "type": "object", "required": ["kind", "title", "children"],
            "properties": {
                "kind": {"type": "string", "enum": list(KINDS)}, "title": {"type": "string"}, "text": {"type": "string"},
                "formula": _ref("Math"), "substituted": _ref("Math"), "value": _ref("Math"), "table": _ref("Table"),
                "answers": {"type": "array", "items": {"type": "string"}},
                "children": {"type": "array", "items": _ref("Step")},
            },
        },
        "Tolerance": {"type": ["object", "null"],
                      "properties": {"abs": {"type": "number"}, "rel": {"type": "number"},
                                     "up_to_sign": {"enum": [False, True, "columns", "rows"],
                                                    "description": "sign flips also accepted: the whole answer, or each column / row"},
                                     "sign_group": {"type": "string",
                                                    "description": "answers sharing a group must flip signs together"}}},
        "Answer": {
            "type": "object", "required": ["value", "display", "latex"],
            "properties": {"value": {"description": "number, boolean, string, nested list, or list of row objects (traces); "
                                                    "infinities as the strings \"inf\" and \"-inf\""},
                           "display": {"type": "string"}, "latex": {"type": "string"},
                           "tolerance": _ref("Tolerance"), "unit": {"type": "string"}},
        },
        "Solution": {
            "type": "object",
            "required": ["schema", "family", "title", "params", "conventions", "statement", "steps", "answers", "status", "path"],
            "properties": {
                "schema": {"type": "integer", "const": SCHEMA_VERSION},
                "family": {"type": "string"}, "title": {"type": "string"},
                "params": {"type": "object"},
                "conventions": {"type": "object", "additionalProperties": {"type": "string"}},
                "convention_notes": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "choice": {"type": "string"}, "description": {"type": "string"}}}},
                "statement": {"type": "string"},
                "steps": {"type": "array", "items": _ref("Step")},
                "answers": {"type": "object", "additionalProperties": _ref("Answer")},
                "status": {"type": "string", "enum": list(STATUSES)},
                "path": {"type": "string", "enum": ["exact", "numeric"]},
                "extras": {"type": "object"},
            },
        },
        "Verdict": {
            "type": "object", "required": ["answer", "verdict", "message"],
            "properties": {
                "answer": {"type": "string"},
                "verdict": {"type": "string", "enum": ["correct", "wrong", "malformed", "not_checkable"],
                            "description": "malformed: the value cannot be read; wrong: it reads but is outside the tolerance"},
                "message": {"type": "string"}, "given": {"type": "string"}, "expected": {"type": "string"},
                "tolerance": {"type": "string"},
                "explanation": {"type": ["object", "null"],
                                "description": "for a wrong value that another convention or a declared slip gives",
                                "properties": {"kind": {"type": "string", "enum": ["convention", "slip"]},
                                               "description": {"type": "string"},
                                               "conventions": {"type": "object"}, "params": {"type": "object"},
                                               "value": {"type": "string"}}},
            },
        },
        "QuestionRequest": {
            "type": "object", "required": ["text"],
            "properties": {"text": {"type": "string", "description": "the question as written (plain text, Markdown, "
                                                                      "LaTeX fragments, unicode maths)"},
                           "family": {"type": ["string", "null"], "description": "optional: read it as this family"}},
        },
        "AskRequest": {
            "allOf": [_ref("QuestionRequest"), {"type": "object", "properties": {
                "params": {"type": ["object", "null"],
                           "additionalProperties": {"type": ["string", "number", "boolean"]},
                           "description": "corrections: field -> value, as typed in the form (a flag may be "
                                          "true/false; null: none)"},
                "conventions": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "number"]}},
                "precision": _PRECISION}}],
        },
        "Evidence": {
            "type": "object", "required": ["value", "quote", "start", "end", "how"],
            "properties": {"value": {"type": "string", "description": "the field's value as the form holds it"},
                           "quote": {"type": "string", "description": "the words of the question it came from"},
                           "start": {"type": "integer"}, "end": {"type": "integer",
                                                                  "description": "offsets of the quote in `text`"},
                           "how": {"type": "string"}},
        },
        "Reading": {
            "type": "object",
            "required": ["family", "confidence", "params", "evidence", "unread", "missing", "warnings", "asked"],
            "properties": {
                "family": {"type": ["string", "null"], "description": "null when no problem was recognised (see message)"},
                "title": {"type": "string"}, "score": {"type": "number"},
                "confidence": {"type": "string", "enum": ["high", "check", "none"],
                               "description": "high: every field read, nothing left over, no doubt; check: read the "
                                              "warnings; none: no problem recognised"},
                "alternatives": {"type": "array", "items": {"type": "object", "properties": {
                    "family": {"type": "string"}, "title": {"type": "string"}, "score": {"type": "number"}}}},
                "params": {"type": "object", "additionalProperties": {"type": "string"}},
                "evidence": {"type": "object", "additionalProperties": _ref("Evidence")},
                "conventions": {"type": "object", "additionalProperties": {"type": "string"}},
                "convention_evidence": {"type": "object", "additionalProperties": _ref("Evidence")},
                "unread": {"type": "array", "items": {"type": "object", "properties": {
                    "kind": {"type": "string"}, "text": {"type": "string"}, "start": {"type": "integer"},
                    "end": {"type": "integer"}, "context": {"type": "string"}}},
                    "description": "numbers and phrases of the question that no field used"},
                "missing": {"type": "array", "items": {"type": "string"}, "description": "required fields not found"},
                "invalid": {"type": "object", "additionalProperties": {"type": "string"}},
                "defaults": {"type": "array", "items": {"type": "object"},
                             "description": "defaults standing in for something the question mentions"},
                "asked": {"type": "object", "description": "precision (dp or sig), options of a multiple-choice "
                                                           "question, the step asked for, the asking sentences"},
                "parts": {"type": "array", "items": {"type": "object"},
                          "description": "a question in parts: the field values of each part"},
                "warnings": {"type": "array", "items": {"type": "string"}, "description": "every doubt, in words"},
                "notes": {"type": "array", "items": {"type": "string"}},
                "ignored": {"type": "array", "items": {"type": "object"},
                            "description": "spans that are not inputs (numbering, marks, options, links)"},
                "message": {"type": "string"},
            },
        },
        "ReadResult": {"type": "object", "required": ["reading"], "properties": {"reading": _ref("Reading")}},
        "AskResult": {
            "type": "object", "required": ["reading", "solutions"],
            "properties": {"reading": _ref("Reading"),
                           "solutions": {"type": "array", "items": _ref("Solution"),
                                         "description": "one per part; empty when fields are missing (see reading)"},
                           "parts": {"type": "array", "items": {"type": "string"}},
                           "asked": {"type": "array", "items": {"type": "array", "items": {"type": "string"}},
                                     "description": "per solution: the answers the question asks for"},
                           "error": {"type": "string", "description": "why nothing was solved"}},
        },
        "CheckResult": {
            "type": "object", "required": ["family", "verdicts", "all_correct"],
            "properties": {"family": {"type": "string"},
                           "conventions": {"type": "object", "additionalProperties": {"type": "string"}},
                           "verdicts": {"type": "object", "additionalProperties": _ref("Verdict")},
                           "all_correct": {"type": "boolean"}},
        },
    }
    name_param = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}, "description": "family name"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Stepwise API", "version": "1.0.0",
                 "description": "Worked, step-by-step solutions to the mathematics of deep learning, and answer checking. "
                                "POST bodies must be sent as application/json."},
        "servers": [{"url": "/"}],
        "paths": {
            "/api/families": {"get": {
                "operationId": "listFamilies", "summary": "Every problem family",
                "responses": {"200": _json(_ref("FamilyList"), "The families and the topics they are grouped by.")}}},
            "/api/families/{name}": {"get": {
                "operationId": "getFamily", "summary": "A family's parameters, conventions and worked example",
                "parameters": [name_param],
                "responses": {"200": _json(_ref("Family"), "The family."),
                              "404": _json(_ref("Error"), "No such family (the message lists close names).")}}},
            "/api/solve": {"post": {
                "operationId": "solve", "summary": "Solve a problem step by step",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Problem")}}},
                "responses": {"200": _json(_ref("Solution"), "The worked solution (Solution JSON, schema 1)."), **_ERRORS}}},
            "/api/check": {"post": {
                "operationId": "check", "summary": "Check answers against the solution",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CheckRequest")}}},
                "responses": {"200": _json(_ref("CheckResult"), "A verdict per answer."), **_ERRORS}}},
            "/api/read": {"post": {
                "operationId": "read", "summary": "Read an exam question as written",
                "description": "The family, each field's value with the words it came from, unread numbers, missing "
                               "fields and what is asked. Deterministic; no model.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("QuestionRequest")}}},
                "responses": {"200": _json(_ref("ReadResult"), "The reading."), **_ERRORS}}},
            "/api/ask": {"post": {
                "operationId": "ask", "summary": "Read an exam question and solve every part it asks",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AskRequest")}}},
                "responses": {"200": _json(_ref("AskResult"), "The reading and the solutions (none when a required "
                                                              "field is missing: the reading names it)."), **_ERRORS}}},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}}}},
        },
        "components": {"schemas": schemas},
    }
