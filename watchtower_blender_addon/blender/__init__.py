"""Blender layer: reads scenes and strips, renders, registers the add-on. Imports ``bpy``."""
