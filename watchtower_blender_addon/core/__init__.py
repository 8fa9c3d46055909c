"""Writer core: Watchtower models, JSON writers and timeline rules, without ``bpy``."""
