"""Open311 GeoReport v2: views (routes in `urls`), `rows` (the spec's fields), `formats`
(JSON/XML and error bodies), `intake` (POST), `link` (the resident's link), `ratelimit`."""
