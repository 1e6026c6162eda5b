"""View models: the values services return and views show.

They live here, one module for each service module that builds them, so that services
may import them (services -> render) and views may type against them without importing
services. Each keeps the kind of class its service chose for start-up time (plain
classes, `Record`, NamedTuple or dataclass).
"""
