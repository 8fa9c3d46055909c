"""Panels of the "Watchtower" tab in the Sequencer sidebar, and their lists."""

from pathlib import Path
from typing import Any

import bpy

from . import ops, props, tracker

CATEGORY = "Watchtower"


# Lists -------------------------------------------------------------------------------------


class _EntryList(bpy.types.UIList):
    """Base of the lists: Blender calls draw_item with exactly these arguments."""

    def draw_item(
        self,
        context: Any,
        layout: Any,
        data: Any,
        item: Any,
        icon: int | None,
        active_data: Any,
        active_property: str | None,
        index: int | None = 0,
        flt_flag: int | None = 0,
    ) -> None:
        self.draw_entry(context, layout, item)

    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        layout.prop(item, 'name', text="", emboss=False)


class WATCHTOWER_UL_task_types(_EntryList):
    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        row = layout.row(align=True)
        row.prop(item, 'color', text="")
        row.prop(item, 'name', text="", emboss=False)
        row.prop(item, 'for_shots', text="", icon='SEQUENCE' if item.for_shots else 'ASSET_MANAGER')


class WATCHTOWER_UL_task_statuses(_EntryList):
    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        row = layout.row(align=True)
        row.prop(item, 'color', text="")
        row.prop(item, 'name', text="", emboss=False)
        row.prop(item, 'color_tag_menu', text="", icon_only=True)


class WATCHTOWER_UL_team(_EntryList):
    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        icon = 'USER' if item.avatar else 'QUESTION'
        layout.prop(item, 'name', text="", emboss=False, icon=icon)


class WATCHTOWER_UL_names(_EntryList):
    """List of entries shown by their editable name (asset types, assets)."""

    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        layout.prop(item, 'name', text="", emboss=False)


class WATCHTOWER_UL_tasks(_EntryList):
    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        settings = context.scene.watchtower
        row = layout.split(factor=0.5, align=True)
        row.prop_search(item, 'task_type', settings, 'task_types', text="", icon='NONE')
        row.prop_search(item, 'status', settings, 'task_statuses', text="", icon='NONE')


class WATCHTOWER_UL_references(_EntryList):
    """List of references by name; the list's ``filter_name``-free rows use prop_search."""

    def draw_entry(self, context: Any, layout: Any, item: Any) -> None:
        settings = context.scene.watchtower
        collection = 'team' if self.list_id == 'assignees' else 'assets'
        layout.prop_search(item, 'name', settings, collection, text="")


def draw_list(
    layout: Any, list_name: str, owner: Any, owner_path: str, collection: str, rows: int = 4
) -> None:
    """Draw a list with add, remove and move buttons for ``owner.<collection>``."""
    row = layout.row()
    index_name = ops.active_index_name(collection)
    row.template_list(list_name, collection, owner, collection, owner, index_name, rows=rows)
    buttons = row.column(align=True)
    _entry_button(buttons, ops.WATCHTOWER_OT_add_entry.bl_idname, 'ADD', owner_path, collection)
    has_entries = len(getattr(owner, collection)) > 0
    removal = buttons.column(align=True)
    removal.enabled = has_entries
    _entry_button(
        removal, ops.WATCHTOWER_OT_remove_entry.bl_idname, 'REMOVE', owner_path, collection
    )
    removal.separator()
    for direction, icon in (('UP', 'TRIA_UP'), ('DOWN', 'TRIA_DOWN')):
        button = _entry_button(
            removal, ops.WATCHTOWER_OT_move_entry.bl_idname, icon, owner_path, collection
        )
        button.direction = direction


def _entry_button(layout: Any, idname: str, icon: str, owner_path: str, collection: str) -> Any:
    button = layout.operator(idname, text="", icon=icon)
    button.owner_path = owner_path
    button.collection = collection
    return button


# Project -----------------------------------------------------------------------------------


def panel_layout(panel: bpy.types.Panel) -> bpy.types.UILayout:
    """Return the panel's layout, which Blender always sets before calling ``draw``."""
    layout = panel.layout
    assert layout is not None
    return layout


class _SidebarPanel(bpy.types.Panel):
    bl_space_type = 'SEQUENCE_EDITOR'
    bl_region_type = 'UI'
    bl_category = CATEGORY


class SEQUENCER_PT_watchtower_project(_SidebarPanel):
    bl_label = "Watchtower Project"

    def draw(self, context: Any) -> None:
        settings = context.scene.watchtower
        layout = panel_layout(self)
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(settings, 'project_name', text="Name")
        row = layout.row(align=True)
        row.prop(settings, 'project_id', text="ID")
        if not settings.project_id:
            row.operator(ops.WATCHTOWER_OT_generate_project_id.bl_idname, text="", icon='ADD')
        layout.prop(settings, 'shot_channels')
        layout.prop(settings, 'sequence_source_menu')
        pattern = layout.row()
        pattern.active = settings.sequence_source in {'auto', 'names'}
        pattern.prop(settings, 'sequence_pattern')
        layout.prop(settings, 'auto_cast')
        layout.operator(ops.WATCHTOWER_OT_apply_template.bl_idname, icon='PRESET')


class _ProjectListPanel(_SidebarPanel):
    bl_parent_id = 'SEQUENCER_PT_watchtower_project'
    bl_options = {'DEFAULT_CLOSED'}  # noqa: RUF012
    list_name = 'WATCHTOWER_UL_names'
    collection = ''

    def draw(self, context: Any) -> None:
        settings = context.scene.watchtower
        draw_list(panel_layout(self), self.list_name, settings, 'watchtower', self.collection)
        entries = getattr(settings, self.collection)
        index = getattr(settings, ops.active_index_name(self.collection))
        if 0 <= index < len(entries):
            self.draw_active(context, entries[index])

    def draw_active(self, context: Any, entry: Any) -> None:
        layout = panel_layout(self)
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(entry, 'id')


class SEQUENCER_PT_watchtower_task_types(_ProjectListPanel):
    bl_label = "Task Types"
    list_name = 'WATCHTOWER_UL_task_types'
    collection = 'task_types'


class SEQUENCER_PT_watchtower_task_statuses(_ProjectListPanel):
    bl_label = "Task Statuses"
    list_name = 'WATCHTOWER_UL_task_statuses'
    collection = 'task_statuses'

    def draw_active(self, context: Any, entry: Any) -> None:
        super().draw_active(context, entry)
        panel_layout(self).prop(entry, 'color_tag_menu')


class SEQUENCER_PT_watchtower_team(_ProjectListPanel):
    bl_label = "Team"
    list_name = 'WATCHTOWER_UL_team'
    collection = 'team'

    def draw_active(self, context: Any, entry: Any) -> None:
        super().draw_active(context, entry)
        panel_layout(self).prop(entry, 'avatar')


class SEQUENCER_PT_watchtower_asset_types(_ProjectListPanel):
    bl_label = "Asset Types"
    collection = 'asset_types'


class SEQUENCER_PT_watchtower_assets(_ProjectListPanel):
    bl_label = "Assets"
    collection = 'assets'

    def draw_active(self, context: Any, entry: Any) -> None:
        super().draw_active(context, entry)
        layout = panel_layout(self)
        settings = context.scene.watchtower
        layout.prop_search(entry, 'asset_type', settings, 'asset_types')
        layout.prop(entry, 'thumbnail_source_menu')
        if entry.thumbnail_source == 'FILE':
            layout.prop(entry, 'thumbnail_path')
        elif entry.thumbnail_source == 'DATABLOCK':
            layout.prop(entry, 'datablock_type_menu')
            layout.prop_search(entry, 'datablock_name', bpy.data, entry.datablock_type)
        index = list(settings.assets).index(entry)
        layout.label(text="Tasks")
        draw_list(layout, 'WATCHTOWER_UL_tasks', entry, f'watchtower.assets[{index}]', 'tasks', 3)
        draw_assignees(layout, entry, f'watchtower.assets[{index}]')


def draw_assignees(layout: Any, owner: Any, owner_path: str) -> None:
    """Draw the assignees of the owner's active task."""
    index = owner.active_tasks_index
    if not 0 <= index < len(owner.tasks):
        return
    task = owner.tasks[index]
    layout.label(text=f"Assignees of {task.task_type or 'the task'}")
    path = f'{owner_path}.tasks[{index}]'
    draw_list(layout, 'WATCHTOWER_UL_references', task, path, 'assignees', 2)


# Shot --------------------------------------------------------------------------------------


class SEQUENCER_PT_watchtower_shot(_SidebarPanel):
    bl_label = "Watchtower Shot"

    @classmethod
    def poll(cls, context: Any) -> bool:
        editor = context.scene.sequence_editor if context.scene else None
        return editor is not None and editor.active_strip is not None

    def draw(self, context: Any) -> None:
        scene = context.scene
        strip = scene.sequence_editor.active_strip
        layout = panel_layout(self)
        draw_shot_facts(layout, scene, strip)
        shot = strip.watchtower
        layout.label(text="Tasks")
        draw_list(layout, 'WATCHTOWER_UL_tasks', shot, ops.ACTIVE_STRIP_PATH, 'tasks', 3)
        tagged = props.status_from_color_tag(scene.watchtower, strip)
        first_type = props.first_shot_task_type(scene.watchtower)
        if tagged and first_type:
            layout.label(text=f"Colour tag sets {first_type}: {tagged}", icon='INFO')
        draw_assignees(layout, shot, ops.ACTIVE_STRIP_PATH)
        layout.label(text="Cast")
        draw_list(layout, 'WATCHTOWER_UL_references', shot, ops.ACTIVE_STRIP_PATH, 'cast', 3)
        draw_automatic_cast(layout, scene, strip)


def draw_shot_facts(layout: Any, scene: Any, strip: Any) -> None:
    """Draw the frame range and sequence an export gives the strip, or why it is no shot."""
    fps = scene.render.fps / scene.render.fps_base
    frame_in = max(strip.frame_final_start, scene.frame_start) - scene.frame_start
    frame_out = min(strip.frame_final_end, scene.frame_end + 1) - scene.frame_start
    duration = max(frame_out - frame_in, 0)
    column = layout.column(align=True)
    column.label(text=f"Frames {frame_in} to {frame_out} (exclusive)")
    column.label(text=f"Duration {duration} frames, {duration / fps:.2f} s")
    description = shot_description(scene)
    if isinstance(description, str):
        column.label(text=description, icon='ERROR')
        return
    sequence = description.get(strip.name)
    if sequence is None:
        column.label(text="Not a shot: not on a shot channel or outside the scene range")
    else:
        column.label(text=f"Sequence {sequence}")


# Result of the last shot description, keyed by what it depends on.
_description_cache: dict[str, Any] = {}


def shot_description(scene: Any) -> dict[str, str] | str:
    """Return the sequence name an export gives each shot, or the reason there are no shots.

    Cached until the strips, markers or settings change, because panels redraw often.
    """
    key = repr(_fingerprint(scene))
    if _description_cache.get('key') != key:
        _description_cache['key'] = key
        _description_cache['value'] = _describe(scene)
    return _description_cache['value']


def _fingerprint(scene: Any) -> tuple[Any, ...]:
    from . import compat

    strips = tuple(
        (s.name, s.channel, s.frame_final_start, s.frame_final_end, s.mute)
        for s in compat.strips_of(scene.sequence_editor)
    )
    markers = tuple((m.name, m.frame) for m in scene.timeline_markers)
    channels = tuple(sorted(compat.channel_names(scene.sequence_editor).items()))
    settings = tuple(sorted(tracker.read_project_settings(scene).items()))
    frames = (scene.frame_start, scene.frame_end, scene.name)
    return strips, markers, channels, settings, frames


def _describe(scene: Any) -> dict[str, str] | str:
    from ..core.errors import WatchtowerError
    from ..core.options import ExportOptions
    from . import describe

    try:
        description, _warnings = describe.describe_scene(scene, ExportOptions(destination=Path()))
    except WatchtowerError as error:
        return str(error)
    return {
        shot_name: sequence.name
        for sequence in description.sequences
        for shot_name in sequence.shot_names
    }


def draw_automatic_cast(layout: Any, scene: Any, strip: Any) -> None:
    if not scene.watchtower.auto_cast or strip.type not in {'SCENE', 'META'}:
        return
    used = [
        (collection_name, datablock)
        for inner_scene in tracker.scenes_shown_by(strip)
        for collection_name, datablock in tracker.datablocks_used_by(inner_scene)
    ]
    if not used:
        return
    layout.label(text="Cast from the strip's scene")
    column = layout.column(align=True)
    for collection_name, datablock in used:
        kind = tracker.DATABLOCK_KINDS[collection_name]
        column.label(text=f"{datablock.name} ({kind})")


# Export ------------------------------------------------------------------------------------


class SEQUENCER_PT_watchtower_export(_SidebarPanel):
    bl_label = "Watchtower Export"

    def draw(self, context: Any) -> None:
        settings = context.scene.watchtower
        layout = panel_layout(self)
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(settings, 'export_directory')
        layout.prop(settings, 'export_video')
        row = layout.row()
        row.active = settings.export_video
        row.prop(settings, 'export_video_width')
        layout.prop(settings, 'export_previews')
        layout.prop(settings, 'export_bundle')
        button = layout.operator(ops.WATCHTOWER_OT_export.bl_idname, text="Export", icon='EXPORT')
        button.use_file_browser = not settings.export_directory
        button.directory = settings.export_directory
        button.video = settings.export_video
        button.previews = settings.export_previews
        button.video_width = settings.export_video_width
        button.bundle = settings.export_bundle


classes = (
    WATCHTOWER_UL_task_types,
    WATCHTOWER_UL_task_statuses,
    WATCHTOWER_UL_team,
    WATCHTOWER_UL_names,
    WATCHTOWER_UL_tasks,
    WATCHTOWER_UL_references,
    SEQUENCER_PT_watchtower_project,
    SEQUENCER_PT_watchtower_task_types,
    SEQUENCER_PT_watchtower_task_statuses,
    SEQUENCER_PT_watchtower_team,
    SEQUENCER_PT_watchtower_asset_types,
    SEQUENCER_PT_watchtower_assets,
    SEQUENCER_PT_watchtower_shot,
    SEQUENCER_PT_watchtower_export,
)


def register() -> None:
    for cls in classes:
        bpy.utils.register_class(cls)


def unregister() -> None:
    _description_cache.clear()
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
