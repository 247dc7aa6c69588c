#!/usr/bin/env python3
"""Write a large FHIR R4 `collection` Bundle shaped like a clinic's or Synthea's export, for the
user-path benchmark (scripts/bench-fhir-cli.sh): one Patient, encounters, and per encounter
vital signs, laboratory results (LOINC), an occasional condition, immunization, medication
request, procedure and diagnostic report; every resource refers to its Patient and encounter
by `urn:uuid:` fullUrl, as such exports do. Deterministic: the same arguments give the same bytes.

    scripts/gen-fhir-bundle.py OUT.json [TARGET_MB]   (default 50)
"""
import json
import sys
import uuid

out = sys.argv[1]
target = int(float(sys.argv[2] if len(sys.argv) > 2 else 50) * 1024 * 1024)
ns = uuid.UUID("6f1c1a4e-2b44-4d1e-9d8a-5a3c0e2f1b00")


def uid(*parts):
    return str(uuid.uuid5(ns, "/".join(map(str, parts))))


PATIENT = uid("patient")
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
VITALS = [
    ("8867-4", "Heart rate", "/min", 60, 30),
    ("8310-5", "Body temperature", "Cel", 36.2, 1.2),
    ("29463-7", "Body weight", "kg", 58, 20),
    ("8302-2", "Body height", "cm", 165, 10),
    ("59408-5", "Oxygen saturation", "%", 96, 3),
    ("9279-1", "Respiratory rate", "/min", 14, 6),
    ("39156-5", "Body mass index", "kg/m2", 21, 6),
]
LABS = [
    ("4548-4", "Hemoglobin A1c", "%", 5.2, 1.5),
    ("2339-0", "Glucose", "mg/dL", 85, 40),
    ("2093-3", "Cholesterol", "mg/dL", 170, 60),
    ("2571-8", "Triglycerides", "mg/dL", 90, 80),
    ("2085-9", "HDL Cholesterol", "mg/dL", 50, 20),
    ("18262-6", "LDL Cholesterol", "mg/dL", 100, 50),
    ("2160-0", "Creatinine", "mg/dL", 0.7, 0.4),
    ("6299-2", "Urea nitrogen", "mg/dL", 12, 8),
]


def category(code):
    return [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                         "code": code, "display": code.replace("-", " ").title()}]}]


def observation(i, enc, at, spec, cat):
    code, display, unit, base, spread = spec
    value = round(base + (i * 37 % 100) / 100 * spread, 1)
    return {
        "resourceType": "Observation", "id": uid("obs", i),
        "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},
        "status": "final", "category": category(cat),
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
        "subject": {"reference": "urn:uuid:" + PATIENT}, "encounter": {"reference": "urn:uuid:" + enc},
        "effectiveDateTime": at, "issued": at.replace("+09:00", ".000+09:00"),
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def entries():
    yield PATIENT, {
        "resourceType": "Patient", "id": PATIENT,
        "name": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", "valueCode": "IDE"}],
                  "use": "official", "family": "山田", "given": ["太郎"]},
                 {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", "valueCode": "SYL"}],
                  "use": "official", "family": "ヤマダ", "given": ["タロウ"]}],
        "gender": "male", "birthDate": "1960-04-12",
    }
    n = 0
    e = 0
    while True:
        e += 1
        day = 1 + e % 28
        month = 1 + (e // 28) % 12
        year = 2000 + min(25, e // 336)
        at = f"{year}-{month:02d}-{day:02d}T{8 + e % 10:02d}:{e % 60:02d}:00+09:00"
        enc = uid("enc", e)
        yield enc, {"resourceType": "Encounter", "id": enc, "status": "finished",
                    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                    "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "185349003",
                                          "display": "Encounter for check up"}], "text": "定期受診"}],
                    "subject": {"reference": "urn:uuid:" + PATIENT},
                    "period": {"start": at, "end": at}}
        for spec in VITALS:
            n += 1
            yield uid("obs", n), observation(n, enc, at, spec, "vital-signs")
        for spec in LABS:
            n += 1
            yield uid("obs", n), observation(n, enc, at, spec, "laboratory")
        if e % 10 == 0:
            yield uid("cond", e), {"resourceType": "Condition", "id": uid("cond", e),
                                   "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"}]},
                                   "code": {"coding": [{"system": "http://snomed.info/sct", "code": "444814009"}], "text": "ウイルス性副鼻腔炎"},
                                   "subject": {"reference": "urn:uuid:" + PATIENT}, "encounter": {"reference": "urn:uuid:" + enc},
                                   "onsetDateTime": at, "abatementDateTime": at}
        if e % 12 == 0:
            yield uid("imm", e), {"resourceType": "Immunization", "id": uid("imm", e), "status": "completed",
                                  "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}], "text": "インフルエンザHAワクチン"},
                                  "patient": {"reference": "urn:uuid:" + PATIENT}, "encounter": {"reference": "urn:uuid:" + enc},
                                  "occurrenceDateTime": at}
        if e % 4 == 0:
            yield uid("med", e), {"resourceType": "MedicationRequest", "id": uid("med", e), "status": "completed", "intent": "order",
                                  "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "313782"}], "text": "アセトアミノフェン錠200mg"},
                                  "subject": {"reference": "urn:uuid:" + PATIENT}, "encounter": {"reference": "urn:uuid:" + enc},
                                  "authoredOn": at, "dosageInstruction": [{"text": "1回1錠 疼痛時"}]}
        if e % 3 == 0:
            yield uid("proc", e), {"resourceType": "Procedure", "id": uid("proc", e), "status": "completed",
                                   "code": {"coding": [{"system": "http://snomed.info/sct", "code": "430193006"}], "text": "服薬指導"},
                                   "subject": {"reference": "urn:uuid:" + PATIENT}, "encounter": {"reference": "urn:uuid:" + enc},
                                   "performedPeriod": {"start": at, "end": at}}
        yield uid("dr", e), {"resourceType": "DiagnosticReport", "id": uid("dr", e), "status": "final",
                             "code": {"coding": [{"system": LOINC, "code": "51990-0", "display": "Basic metabolic panel"}]},
                             "subject": {"reference": "urn:uuid:" + PATIENT}, "encounter": {"reference": "urn:uuid:" + enc},
                             "effectiveDateTime": at,
                             "result": [{"reference": "urn:uuid:" + uid("obs", n - k)} for k in range(len(LABS))]}


with open(out, "w", encoding="utf-8") as f:
    f.write('{"resourceType":"Bundle","type":"collection","entry":[')
    written, count = 0, 0
    for full, resource in entries():
        text = json.dumps({"fullUrl": "urn:uuid:" + full, "resource": resource}, ensure_ascii=False, separators=(",", ":"))
        f.write(("," if count else "") + text)
        written += len(text.encode("utf-8")) + 1
        count += 1
        # Stop at the end of an encounter's resources once past the target size.
        if written >= target and resource["resourceType"] == "DiagnosticReport":
            break
    f.write("]}")
print(count)
