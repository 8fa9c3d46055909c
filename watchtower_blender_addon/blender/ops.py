"""Operators: edit the tracker lists, apply the default template, export the site."""

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty

from ..core.errors import WatchtowerError
from . import background, props, templates, ui_compat

OperatorResult = Literal['RUNNING_MODAL', 'CANCELLED', 'FINISHED', 'PASS_THROUGH', 'INTERFACE']

# Default names of new entries, by collection property.
NEW_ENTRY_NAMES = {
    'task_types': "Task Type",
    'task_statuses': "Status",
    'team': "Member",
    'asset_types': "Asset Type",
    'assets': "Asset",
}
ACTIVE_STRIP_PATH = 'sequence_editor.active_strip.watchtower'


def resolve_owner(scene: Any, owner_path: str) -> Any:
    """Return the struct at ``owner_path`` relative to ``scene``, or None if it does not exist."""
    try:
        return scene.path_resolve(owner_path)
    except ValueError:
        return None


def active_index_name(collection: str) -> str:
    return f'active_{collection}_index'


class _EntryOperator(bpy.types.Operator):
    """Base of the operators that edit one collection of the tracker."""

    owner_path: StringProperty(
        name="Owner", description="Path from the scene to the struct that contains the list"
    )
    collection: StringProperty(name="List", description="Name of the collection property")

    @classmethod
    def poll(cls, context: Any) -> bool:
        return context.scene is not None

    def entries(self, context: Any) -> tuple[Any, Any]:
        """Return (owner struct, collection), or (None, None) after reporting why not."""
        owner = resolve_owner(context.scene, self.owner_path)
        entries = getattr(owner, self.collection, None) if owner is not None else None
        if entries is None:
            self.report({'ERROR'}, f"Nothing to edit at {self.owner_path}.{self.collection}")
            return None, None
        return owner, entries


class WATCHTOWER_OT_add_entry(_EntryOperator):
    """Add an entry to the list"""

    bl_idname = 'watchtower.add_entry'
    bl_label = "Add Entry"
    bl_options = {'REGISTER', 'UNDO', 'INTERNAL'}  # noqa: RUF012

    def execute(self, context: Any) -> set[OperatorResult]:
        owner, entries = self.entries(context)
        if entries is None:
            return {'CANCELLED'}
        entry = entries.add()
        fill_new_entry(context.scene.watchtower, self.collection, owner, entries, entry)
        setattr(owner, active_index_name(self.collection), len(entries) - 1)
        return {'FINISHED'}


def fill_new_entry(settings: Any, collection: str, owner: Any, entries: Any, entry: Any) -> None:
    """Give a new entry a unique name, or for a reference the first choice not yet used."""
    if collection in NEW_ENTRY_NAMES:
        entry.name = props._unique_name(entries, entry, NEW_ENTRY_NAMES[collection])
    elif collection == 'tasks':
        for_shots = isinstance(owner, props.WATCHTOWER_PG_shot)
        types = [t.name for t in settings.task_types if t.for_shots == for_shots]
        entry.task_type = _first_unused(types, [task.task_type for task in entries])
        entry.status = settings.task_statuses[0].name if len(settings.task_statuses) else ''
    elif collection == 'assignees':
        names = [member.name for member in settings.team]
        entry.name = _first_unused(names, [assignee.name for assignee in entries])
    elif collection == 'cast':
        names = [asset.name for asset in settings.assets]
        entry.name = _first_unused(names, [cast.name for cast in entries])


def _first_unused(choices: list[str], used: list[str]) -> str:
    for choice in choices:
        if choice not in used:
            return choice
    return ''


class WATCHTOWER_OT_remove_entry(_EntryOperator):
    """Remove the active entry of the list"""

    bl_idname = 'watchtower.remove_entry'
    bl_label = "Remove Entry"
    bl_options = {'REGISTER', 'UNDO', 'INTERNAL'}  # noqa: RUF012

    def execute(self, context: Any) -> set[OperatorResult]:
        owner, entries = self.entries(context)
        if entries is None:
            return {'CANCELLED'}
        index_name = active_index_name(self.collection)
        index = getattr(owner, index_name)
        if not 0 <= index < len(entries):
            self.report({'ERROR'}, "No active entry to remove")
            return {'CANCELLED'}
        entries.remove(index)
        setattr(owner, index_name, min(index, len(entries) - 1) if len(entries) else 0)
        return {'FINISHED'}


class WATCHTOWER_OT_move_entry(_EntryOperator):
    """Move the active entry up or down the list"""

    bl_idname = 'watchtower.move_entry'
    bl_label = "Move Entry"
    bl_options = {'REGISTER', 'UNDO', 'INTERNAL'}  # noqa: RUF012

    direction: EnumProperty(name="Direction", items=(('UP', "Up", ""), ('DOWN', "Down", "")))

    def execute(self, context: Any) -> set[OperatorResult]:
        owner, entries = self.entries(context)
        if entries is None:
            return {'CANCELLED'}
        index_name = active_index_name(self.collection)
        index = getattr(owner, index_name)
        target = index - 1 if self.direction == 'UP' else index + 1
        if not (0 <= index < len(entries) and 0 <= target < len(entries)):
            return {'CANCELLED'}
        entries.move(index, target)
        setattr(owner, index_name, target)
        return {'FINISHED'}


class WATCHTOWER_OT_apply_template(bpy.types.Operator):
    """Add the default task types (Storyboard to Compositing for shots, Modeling, Shading and \
Rigging for assets), statuses and asset types that the project lacks"""

    bl_idname = 'watchtower.apply_template'
    bl_label = "Add Default Template"
    bl_options = {'REGISTER', 'UNDO'}  # noqa: RUF012

    @classmethod
    def poll(cls, context: Any) -> bool:
        return context.scene is not None

    def execute(self, context: Any) -> set[OperatorResult]:
        added = templates.apply_default_template(context.scene)
        self.report({'INFO'}, f"Added {added} entries to the Watchtower project")
        return {'FINISHED'}


class WATCHTOWER_OT_generate_project_id(bpy.types.Operator):
    """Store the project id that exports have used so far, so that renames keep it"""

    bl_idname = 'watchtower.generate_project_id'
    bl_label = "Store Project ID"
    bl_options = {'REGISTER', 'UNDO'}  # noqa: RUF012

    @classmethod
    def poll(cls, context: Any) -> bool:
        if context.scene is None:
            return False
        if context.scene.watchtower.project_id:
            ui_compat.set_poll_message(cls, "The project already has an id")
            return False
        return True

    def execute(self, context: Any) -> set[OperatorResult]:
        templates.ensure_project_id(context.scene)
        return {'FINISHED'}


class WATCHTOWER_OT_export(bpy.types.Operator):
    """Export the scene's edit as a Watchtower site, in a background process"""

    bl_idname = 'watchtower.export'
    bl_label = "Export Watchtower Site"
    bl_options = {'REGISTER'}  # noqa: RUF012

    directory: StringProperty(
        name="Destination", description="Folder of the Watchtower site", subtype='DIR_PATH'
    )
    filter_folder: BoolProperty(default=True, options={'HIDDEN', 'SKIP_SAVE'})
    video: BoolProperty(**props.EXPORT_VIDEO)
    previews: BoolProperty(**props.EXPORT_PREVIEWS)
    video_width: IntProperty(**props.EXPORT_VIDEO_WIDTH)
    bundle: BoolProperty(**props.EXPORT_BUNDLE)
    strict: BoolProperty(
        name="Strict", description="Stop with an error when a strip's media file is missing"
    )
    use_file_browser: BoolProperty(
        name="Choose Destination",
        description="Open the file browser to choose the destination first",
        default=True,
        options={'HIDDEN', 'SKIP_SAVE'},
    )

    @classmethod
    def poll(cls, context: Any) -> bool:
        problem = export_problem(context)
        if problem:
            ui_compat.set_poll_message(cls, problem)
            return False
        return True

    def invoke(self, context: Any, event: Any) -> set[OperatorResult]:
        self._take_scene_options(context.scene.watchtower)
        if self.use_file_browser or not self.directory:
            context.window_manager.fileselect_add(self)
            return {'RUNNING_MODAL'}
        return self.execute(context)

    def draw(self, context: Any) -> None:
        layout = self.layout
        assert layout is not None
        layout.use_property_split = True
        for name in ('video', 'video_width', 'previews', 'bundle', 'strict'):
            layout.prop(self, name)

    def execute(self, context: Any) -> set[OperatorResult]:
        self._job: background.ExportJob | None = None
        self._timer: Any = None
        self._temporary_copy: str | None = None
        if not self.directory:
            self.report({'ERROR'}, "Choose a destination folder for the Watchtower site")
            return {'CANCELLED'}
        self._store_scene_options(context.scene.watchtower)
        try:
            command = self._command(context)
        except (WatchtowerError, RuntimeError, OSError) as error:
            self._remove_temporary_copy()
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        self._job = background.ExportJob(command)
        if bpy.app.background:
            # No event loop to drive a modal operator: wait for the child here.
            self._job.wait()
            return self._finish(context)
        return self._start_modal(context)

    def _take_scene_options(self, settings: Any) -> None:
        """Fill the options not given by the caller from the scene's last export."""
        for name in ('directory', 'video', 'previews', 'video_width', 'bundle'):
            if not self.properties.is_property_set(name):
                stored = 'export_directory' if name == 'directory' else f'export_{name}'
                setattr(self, name, getattr(settings, stored))

    def _store_scene_options(self, settings: Any) -> None:
        settings.export_directory = self.directory
        settings.export_video = self.video
        settings.export_previews = self.previews
        settings.export_video_width = self.video_width
        settings.export_bundle = self.bundle

    def _command(self, context: Any) -> list[str]:
        scene = context.scene
        name, project_id = project_name_and_id(scene)
        options = ['-d', bpy.path.abspath(self.directory), '--scene', scene.name]
        options += ['--project-name', name, '--project-id', project_id]
        options += ['--video-width', str(self.video_width)]
        options += [flag for flag, on in self._flags() if on]
        return background.child_command(self._blend_to_export(), options)

    def _flags(self) -> list[tuple[str, bool]]:
        return [
            ('--no-video', not self.video),
            ('--no-previews', not self.previews),
            ('--bundle', self.bundle),
            ('--strict', self.strict),
        ]

    def _blend_to_export(self) -> str:
        """Return the saved .blend file, or a temporary copy when there are unsaved changes."""
        if bpy.data.filepath and not bpy.data.is_dirty:
            return str(bpy.data.filepath)
        handle, path = tempfile.mkstemp(prefix='watchtower-export-', suffix='.blend')
        os.close(handle)
        self._temporary_copy = path
        # relative_remap keeps relative media paths pointing to the same files.
        bpy.ops.wm.save_as_mainfile(filepath=path, copy=True, relative_remap=True)
        return path

    def _start_modal(self, context: Any) -> set[OperatorResult]:
        window_manager = context.window_manager
        self._timer = window_manager.event_timer_add(0.2, window=context.window)
        window_manager.modal_handler_add(self)
        running_exports.add(self)
        self._show_status(context, "starting")
        return {'RUNNING_MODAL'}

    def modal(self, context: Any, event: Any) -> set[OperatorResult]:
        job = self._job
        assert job is not None
        if event.type == 'ESC' and event.value == 'PRESS' and not job.cancelled:
            job.cancel()
            self._show_status(context, "cancelling")
            return {'RUNNING_MODAL'}
        # Any timer event polls, also other add-ons' timers: polling is cheap.
        if event.type != 'TIMER':
            return {'PASS_THROUGH'}
        try:
            finished = job.poll()
        except OSError as error:
            job.cancel()
            self._stop_modal(context)
            self.report({'ERROR'}, f"Watchtower export failed: {error}")
            return {'CANCELLED'}
        if not finished:
            progress = job.progress.text if job.progress else "starting"
            self._show_status(context, "cancelling" if job.cancelled else progress)
            return {'PASS_THROUGH'}
        self._stop_modal(context)
        return self._finish(context)

    def _stop_modal(self, context: Any) -> None:
        context.window_manager.event_timer_remove(self._timer)
        self._timer = None
        running_exports.discard(self)
        ui_compat.set_status_text(context, None)

    def _show_status(self, context: Any, text: str) -> None:
        ui_compat.set_status_text(context, f"Watchtower export: {text} (Esc to cancel)")

    def _finish(self, context: Any) -> set[OperatorResult]:
        job = self._job
        assert job is not None
        self._remove_temporary_copy()
        for warning in job.warnings():
            self.report({'WARNING'}, warning)
        if job.cancelled:
            self.report(
                {'WARNING'}, "Watchtower export cancelled; the previous export is unchanged"
            )
            return {'CANCELLED'}
        if job.returncode != 0:
            self.report({'ERROR'}, f"Watchtower export failed: {job.error_message()}")
            return {'CANCELLED'}
        self.report({'INFO'}, job.summary())
        return {'FINISHED'}

    def cancel_on_unregister(self) -> None:
        """Stop the child and the timer, because the add-on is being disabled."""
        if self._job is not None:
            self._job.cancel()
            self._job.wait()
        window_manager = bpy.context.window_manager
        if self._timer is not None and window_manager is not None:
            window_manager.event_timer_remove(self._timer)
            self._timer = None
        self._remove_temporary_copy()
        running_exports.discard(self)

    def _remove_temporary_copy(self) -> None:
        if self._temporary_copy:
            # Saving over the empty placeholder file also leaves a .blend1 backup.
            for path in (self._temporary_copy, self._temporary_copy + '1'):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            self._temporary_copy = None


# Exports started in this session and still running; export_problem reports them.
running_exports: set[WATCHTOWER_OT_export] = set()


def export_problem(context: Any) -> str:
    """Return why the scene cannot be exported now, or an empty string."""
    from . import compat

    scene = context.scene
    if scene is None:
        return "No active scene"
    if scene.sequence_editor is None or not len(compat.strips_of(scene.sequence_editor)):
        return "The scene has no sequencer strips to export"
    if running_exports:
        return "An export is already running; press Esc to cancel it"
    return ""


def project_name_and_id(scene: Any) -> tuple[str, str]:
    """Return the project name and id an export of ``scene`` uses, as the command line would.

    Passed to the child explicitly, because the child may open a temporary copy
    whose file name differs from the project's default name.

    Raises:
        InputError: the stored project id is not a valid folder name.
    """
    from ..core.options import ExportOptions
    from . import describe, tracker

    stored = tracker.read_project_settings(scene)
    options = ExportOptions(destination=Path())
    name = describe.project_name_of(scene, stored, options)
    return name, describe.project_id_of(name, stored, options)


def menu_export(self: Any, context: Any) -> None:
    self.layout.operator(WATCHTOWER_OT_export.bl_idname, text="Watchtower Site")


classes: tuple[type, ...] = (
    WATCHTOWER_OT_add_entry,
    WATCHTOWER_OT_remove_entry,
    WATCHTOWER_OT_move_entry,
    WATCHTOWER_OT_apply_template,
    WATCHTOWER_OT_generate_project_id,
    WATCHTOWER_OT_export,
)


def register() -> None:
    for cls in classes:
        bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_file_export.append(menu_export)


def unregister() -> None:
    bpy.types.TOPBAR_MT_file_export.remove(menu_export)
    for job in list(running_exports):
        job.cancel_on_unregister()
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
