"""The JSON API's contract: request and response models, and the OpenAPI document.

Every body the API reads is validated by one of the models here, and every body it
writes is built from one; the OpenAPI 3.1 document served at ``/api/v1/openapi.json`` is
generated from the same models (``models_json_schema``) and from the list of operations
the API registers, so the document cannot drift from what the API does.

Times are written in WIB with their offset (``2024-05-22T09:30:00+07:00``).

* ``base``: the models' base classes and the value types they share (``Instant``, ...);
* ``errors``: the one shape of every error;
* ``definitions``, ``cases``, ``reports``: each resource's queries, bodies and answers;
* ``document``: the operations and the OpenAPI document built from them.
"""
