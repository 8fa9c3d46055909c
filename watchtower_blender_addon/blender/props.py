"""Property groups of the production tracker: ``scene.watchtower`` and ``strip.watchtower``.

Everything the headless reader (tracker.py) needs is a string, a boolean, a colour
or a collection of those, never a stored enum, because the reader sees raw ID
properties where an enum is only a number. Drop-down menus are enums with
``get``/``set`` functions that store their choice in a string property.
References to other entries are their names, and renaming an entry renames the
references to it.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatVectorProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from ..core.options import MIN_VIDEO_WIDTH
from . import tracker, ui_compat

# (identifier, label, description, icon) of the string-backed drop-down menus.
EnumChoices = Sequence[tuple[str, str, str, str]]

SEQUENCE_SOURCE_CHOICES: EnumChoices = (
    (
        'auto',
        "Automatic",
        "First that applies: a \"Sequences\" channel, markers, shot names",
        'AUTO',
    ),
    (
        'channel',
        "Channel",
        "Each strip of the channel named \"Sequences\" is a sequence",
        'SEQ_STRIP_META',
    ),
    ('markers', "Markers", "A sequence runs from its timeline marker to the next", 'MARKER_HLT'),
    (
        'names',
        "Shot Names",
        "The part of the shot name before the first _ - . or space",
        'SORTALPHA',
    ),
    ('single', "Single", "One sequence named after the project", 'SEQUENCE'),
)
COLOR_TAG_CHOICES: EnumChoices = (
    ('NONE', "None", "Not bound to a strip colour tag", 'X'),
) + tuple(
    (tag, f"Color {tag[-2:]}", f"Strips with colour tag {tag[-2:]}", f'SEQUENCE_{tag}')
    for tag in tracker.COLOR_TAGS[1:]
)
THUMBNAIL_SOURCE_CHOICES: EnumChoices = (
    ('NONE', "None", "The web page shows a placeholder", 'X'),
    ('FILE', "Image File", "An image file on disk", 'FILE_IMAGE'),
    ('DATABLOCK', "Data-Block", "The preview of a data-block of this file", 'ASSET_MANAGER'),
)
DATABLOCK_TYPE_CHOICES: EnumChoices = (
    ('collections', "Collection", "", 'OUTLINER_COLLECTION'),
    ('objects', "Object", "", 'OBJECT_DATA'),
    ('materials', "Material", "", 'MATERIAL'),
    ('worlds', "World", "", 'WORLD'),
    ('images', "Image", "", 'IMAGE_DATA'),
    ('node_groups', "Node Group", "", 'NODETREE'),
)


def string_enum(storage: str, choices: EnumChoices, name: str, description: str) -> Any:
    """Return an enum property that shows ``choices`` and stores the identifier in ``storage``."""
    identifiers = [choice[0] for choice in choices]
    items = [(*choice, index) for index, choice in enumerate(choices)]

    def get(self: Any) -> int:
        value = getattr(self, storage)
        return identifiers.index(value) if value in identifiers else 0

    def set_(self: Any, index: int) -> None:
        setattr(self, storage, identifiers[index])

    return EnumProperty(name=name, description=description, items=items, get=get, set=set_)


# Renaming -----------------------------------------------------------------------------


def _unique_name(entries: Any, entry: Any, name: str) -> str:
    """Return ``name``, or ``name.001``, ``name.002``... if another entry already has it."""
    taken = {other.name for other in entries if other != entry}
    candidate = name
    number = 0
    while candidate in taken:
        number += 1
        candidate = f'{name}.{number:03d}'
    return candidate


def renamer(collection: str, rename_references: Callable[[Any, str, str], None]) -> Any:
    """Return a name property whose update keeps names unique and renames references."""

    def update(self: Any, context: Any) -> None:
        scene = self.id_data
        unique = _unique_name(getattr(scene.watchtower, collection), self, self.name)
        if unique != self.name:
            self.name = unique  # runs this update again with the unique name
            return
        old = self.previous_name
        self.previous_name = self.name
        if old and old != self.name:
            rename_references(scene, old, self.name)

    return StringProperty(name="Name", update=update)


def iter_shots(scene: Any) -> Iterator[Any]:
    """Yield the tracker group of every strip of the scene, meta strip contents included."""
    from . import compat

    if scene.sequence_editor is None:
        return
    for strip in compat.all_strips(scene.sequence_editor):
        yield strip.watchtower


def iter_tasks(scene: Any) -> Iterator[Any]:
    """Yield every task of the scene's assets and strips."""
    for asset in scene.watchtower.assets:
        yield from asset.tasks
    for shot in iter_shots(scene):
        yield from shot.tasks


def _rename_task_type(scene: Any, old: str, new: str) -> None:
    for task in iter_tasks(scene):
        if task.task_type == old:
            task.task_type = new


def _rename_status(scene: Any, old: str, new: str) -> None:
    for task in iter_tasks(scene):
        if task.status == old:
            task.status = new


def _rename_member(scene: Any, old: str, new: str) -> None:
    for task in iter_tasks(scene):
        for assignee in task.assignees:
            if assignee.name == old:
                assignee.name = new


def _rename_asset_type(scene: Any, old: str, new: str) -> None:
    for asset in scene.watchtower.assets:
        if asset.asset_type == old:
            asset.asset_type = new


def _rename_asset(scene: Any, old: str, new: str) -> None:
    for shot in iter_shots(scene):
        for cast in shot.cast:
            if cast.name == old:
                cast.name = new


# Colour tags ----------------------------------------------------------------------------


def strip_of(task: Any) -> Any:
    """Return the strip that owns a shot task, or None for an asset task."""
    from . import compat

    scene = task.id_data
    if scene.sequence_editor is None:
        return None
    # Found by address because Blender cannot build a path to structs inside strips.
    address = task.as_pointer()
    for strip in compat.all_strips(scene.sequence_editor):
        if any(shot_task.as_pointer() == address for shot_task in strip.watchtower.tasks):
            return strip
    return None


def sync_color_tag(task: Any) -> None:
    """Set the colour tag of a task's strip to match its status, for the first shot task type.

    The exporter lets a bound colour tag set the status of that task, so without this
    a status chosen in the panel could be overridden by the strip's old colour.
    """
    strip = strip_of(task)
    settings = task.id_data.watchtower
    if strip is None or task.task_type != first_shot_task_type(settings):
        return
    tags = {status.name: status.color_tag for status in settings.task_statuses}
    tag = tags.get(task.status, 'NONE')
    if tag != 'NONE':
        strip.color_tag = tag
    elif strip.color_tag in tags.values():
        strip.color_tag = 'NONE'


def first_shot_task_type(settings: Any) -> str | None:
    """Return the name of the first task type for shots, whose status colour tags set."""
    for task_type in settings.task_types:
        if task_type.for_shots and task_type.name:
            return str(task_type.name)
    return None


def status_from_color_tag(settings: Any, strip: Any) -> str | None:
    """Return the name of the status bound to the strip's colour tag, if any."""
    for status in settings.task_statuses:
        if status.color_tag != 'NONE' and status.color_tag == strip.color_tag:
            return str(status.name)
    return None


# Property groups ------------------------------------------------------------------------


class WATCHTOWER_PG_reference(bpy.types.PropertyGroup):
    """Reference to another entry by its name (a team member or an asset)."""

    name: StringProperty(name="Name")


class WATCHTOWER_PG_task(bpy.types.PropertyGroup):
    """Task of a shot or an asset."""

    task_type: StringProperty(name="Task Type", description="Name of the task type")
    status: StringProperty(
        name="Status",
        description="Name of the task status",
        update=lambda self, _context: sync_color_tag(self),
    )
    assignees: CollectionProperty(type=WATCHTOWER_PG_reference, name="Assignees")
    active_assignees_index: IntProperty()


class WATCHTOWER_PG_task_type(bpy.types.PropertyGroup):
    """Kind of task, such as Layout or Animation."""

    name: renamer('task_types', _rename_task_type)
    previous_name: StringProperty(options={'HIDDEN'})
    id: StringProperty(name="ID", description="Exported id; empty for one derived from the name")
    color: FloatVectorProperty(
        name="Color", subtype='COLOR_GAMMA', size=3, min=0.0, max=1.0, default=tracker.DEFAULT_COLOR
    )
    for_shots: BoolProperty(
        name="For Shots",
        description="Tasks of this type belong to shots; otherwise to assets",
        default=tracker.DEFAULT_FOR_SHOTS,
    )


class WATCHTOWER_PG_task_status(bpy.types.PropertyGroup):
    """State of a task, such as WIP or Done, optionally bound to a strip colour tag."""

    name: renamer('task_statuses', _rename_status)
    previous_name: StringProperty(options={'HIDDEN'})
    id: StringProperty(name="ID", description="Exported id; empty for one derived from the name")
    color: FloatVectorProperty(
        name="Color", subtype='COLOR_GAMMA', size=3, min=0.0, max=1.0, default=tracker.DEFAULT_COLOR
    )
    color_tag: StringProperty(default='NONE', options={'HIDDEN'})
    color_tag_menu: string_enum(
        'color_tag',
        COLOR_TAG_CHOICES,
        "Color Tag",
        "Strips with this colour tag get this status for the first shot task type",
    )


class WATCHTOWER_PG_member(bpy.types.PropertyGroup):
    """Team member, assignable to tasks."""

    name: renamer('team', _rename_member)
    previous_name: StringProperty(options={'HIDDEN'})
    id: StringProperty(name="ID", description="Exported id; empty for one derived from the name")
    avatar: StringProperty(
        name="Avatar",
        description="Image file of the member's picture",
        subtype='FILE_PATH',
        options=ui_compat.file_path_options(),
    )


class WATCHTOWER_PG_asset_type(bpy.types.PropertyGroup):
    """Kind of asset, such as Character or Prop."""

    name: renamer('asset_types', _rename_asset_type)
    previous_name: StringProperty(options={'HIDDEN'})
    id: StringProperty(name="ID", description="Exported id; empty for one derived from the name")


class WATCHTOWER_PG_asset(bpy.types.PropertyGroup):
    """Character, prop, set or other element that shots cast."""

    name: renamer('assets', _rename_asset)
    previous_name: StringProperty(options={'HIDDEN'})
    id: StringProperty(name="ID", description="Exported id; empty for one derived from the name")
    asset_type: StringProperty(name="Asset Type", description="Name of the asset type")
    thumbnail_source: StringProperty(default='NONE', options={'HIDDEN'})
    thumbnail_source_menu: string_enum(
        'thumbnail_source', THUMBNAIL_SOURCE_CHOICES, "Thumbnail", "Where the thumbnail comes from"
    )
    thumbnail_path: StringProperty(
        name="Image", subtype='FILE_PATH', options=ui_compat.file_path_options()
    )
    datablock_type: StringProperty(default='collections', options={'HIDDEN'})
    datablock_type_menu: string_enum(
        'datablock_type', DATABLOCK_TYPE_CHOICES, "Data-Block Type", "Kind of data-block"
    )
    # NOTE: a reference by name, so renaming the data-block loses the thumbnail until
    # it is picked again; the exporter then warns and exports no thumbnail.
    datablock_name: StringProperty(
        name="Data-Block", description="Data-block whose preview is the thumbnail"
    )
    tasks: CollectionProperty(type=WATCHTOWER_PG_task, name="Tasks")
    active_tasks_index: IntProperty()


class WATCHTOWER_PG_shot(bpy.types.PropertyGroup):
    """Tracker data of a shot strip: its tasks and the assets cast in it."""

    tasks: CollectionProperty(type=WATCHTOWER_PG_task, name="Tasks")
    active_tasks_index: IntProperty()
    cast: CollectionProperty(type=WATCHTOWER_PG_reference, name="Cast")
    active_cast_index: IntProperty()


# Export options shared by the scene's stored settings and the export operator, so
# that both offer the same choices and limits as the command line.
EXPORT_VIDEO: dict[str, Any] = {
    'name': "Edit Video",
    'description': "Render edit.mp4",
    'default': True,
}
EXPORT_PREVIEWS: dict[str, Any] = {
    'name': "Shot Previews",
    'description': "Render a thumbnail of each shot",
    'default': True,
}
EXPORT_VIDEO_WIDTH: dict[str, Any] = {
    'name': "Video Width",
    'description': "Maximum width of edit.mp4 in pixels",
    'default': 1280,
    'min': MIN_VIDEO_WIDTH,
    'soft_max': 4096,
    'subtype': 'PIXEL',
}
EXPORT_BUNDLE: dict[str, Any] = {
    'name': "Bundle Viewer",
    'description': "Copy the Watchtower web viewer into the destination",
}


class WATCHTOWER_PG_project(bpy.types.PropertyGroup):
    """Watchtower project of a scene: settings, lists and export options."""

    project_name: StringProperty(
        name="Project Name", description="Name shown on the site; empty for the .blend file's name"
    )
    project_id: StringProperty(
        name="Project ID",
        description="Folder name of the project on the site; keep it once published",
    )
    shot_channels: StringProperty(
        name="Shot Channels",
        description="Channels whose strips are shots, such as 2 or 2,3; empty for automatic",
    )
    sequence_source: StringProperty(default=tracker.DEFAULT_SEQUENCE_SOURCE, options={'HIDDEN'})
    sequence_source_menu: string_enum(
        'sequence_source', SEQUENCE_SOURCE_CHOICES, "Sequences", "Where the sequences come from"
    )
    sequence_pattern: StringProperty(
        name="Name Pattern",
        description="Regular expression with a group named 'sequence' matched on shot names; "
        "empty for the part before the first _ - . or space",
    )
    auto_cast: BoolProperty(
        name="Cast Scene Contents",
        description="Cast in each scene strip shot the collections (or the data-blocks marked "
        "as assets) of the strip's scene",
        default=tracker.DEFAULT_AUTO_CAST,
    )
    task_types: CollectionProperty(type=WATCHTOWER_PG_task_type)
    active_task_types_index: IntProperty()
    task_statuses: CollectionProperty(type=WATCHTOWER_PG_task_status)
    active_task_statuses_index: IntProperty()
    team: CollectionProperty(type=WATCHTOWER_PG_member)
    active_team_index: IntProperty()
    asset_types: CollectionProperty(type=WATCHTOWER_PG_asset_type)
    active_asset_types_index: IntProperty()
    assets: CollectionProperty(type=WATCHTOWER_PG_asset)
    active_assets_index: IntProperty()

    export_directory: StringProperty(
        name="Destination",
        description="Folder of the Watchtower site",
        subtype='DIR_PATH',
        options=ui_compat.file_path_options(),
    )
    export_video: BoolProperty(**EXPORT_VIDEO)
    export_previews: BoolProperty(**EXPORT_PREVIEWS)
    export_video_width: IntProperty(**EXPORT_VIDEO_WIDTH)
    export_bundle: BoolProperty(**EXPORT_BUNDLE)


classes = (
    WATCHTOWER_PG_reference,
    WATCHTOWER_PG_task,
    WATCHTOWER_PG_task_type,
    WATCHTOWER_PG_task_status,
    WATCHTOWER_PG_member,
    WATCHTOWER_PG_asset_type,
    WATCHTOWER_PG_asset,
    WATCHTOWER_PG_shot,
    WATCHTOWER_PG_project,
)


def register() -> None:
    from . import compat

    for cls in classes:
        bpy.utils.register_class(cls)
    # setattr, because the stubs do not know these attributes
    setattr(bpy.types.Scene, tracker.SETTINGS_KEY, PointerProperty(type=WATCHTOWER_PG_project))
    setattr(
        compat.strip_base_type(), tracker.SETTINGS_KEY, PointerProperty(type=WATCHTOWER_PG_shot)
    )


def unregister() -> None:
    from . import compat

    delattr(compat.strip_base_type(), tracker.SETTINGS_KEY)
    delattr(bpy.types.Scene, tracker.SETTINGS_KEY)
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
