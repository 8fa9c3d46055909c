"""Read the production tracker data stored in a scene and its strips.

The add-on stores its data in a property group called ``watchtower`` on the scene
and on each strip. This module reads the raw ID properties of those groups, never
the registered property classes, so a headless export of a saved file with the
add-on not registered reads exactly what the add-on's panels show. It imports no
Blender module at import time, so it also loads in Blender 3.4.

Raw ID properties differ from the registered properties in three ways, which the
readers below handle. A property never set is not stored at all, so its default
applies. A boolean may be stored as an int. Colours are ID property arrays.
References between entries (a task's type, status and assignees, an asset's type,
a shot's cast) are stored as the referenced entry's name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from ..core import models
from ..core.errors import InputError
from ..core.stable_ids import stable_id
from ..core.tracker import TrackerData

log = logging.getLogger(__name__)

SETTINGS_KEY = 'watchtower'

# Defaults of the add-on's properties, shared with props.py, because Blender does not
# store a property that was never set.
DEFAULT_COLOR = (0.5, 0.5, 0.5)
DEFAULT_FOR_SHOTS = True
DEFAULT_AUTO_CAST = True
SEQUENCE_SOURCES = ('auto', 'channel', 'markers', 'names', 'single')
DEFAULT_SEQUENCE_SOURCE = 'auto'
# Strip colour tags in the order of Blender's ``Strip.color_tag`` enum.
COLOR_TAGS = ('NONE',) + tuple(f'COLOR_{number:02d}' for number in range(1, 10))
THUMBNAIL_SOURCES = ('NONE', 'FILE', 'DATABLOCK')
# Asset type of explicit assets whose type is empty or not in the project's list.
FALLBACK_ASSET_TYPE = 'Other'

# bpy.data collections whose data-blocks can be cast automatically, and the asset
# type each kind of data-block gets.
DATABLOCK_KINDS = {
    'collections': 'Collection',
    'objects': 'Object',
    'materials': 'Material',
    'worlds': 'World',
}

PROJECT_SETTING_DEFAULTS = {
    'project_name': '',
    'project_id': '',
    'shot_channels': '',
    'sequence_source': DEFAULT_SEQUENCE_SOURCE,
    'sequence_pattern': '',
}


def settings_group(owner: Any) -> Any:
    """Return the raw ``watchtower`` ID property group of a scene or strip, or None.

    Blender 5.0 keeps properties defined by add-ons apart from custom properties, so
    ``owner.get('watchtower')`` only finds them in files saved by older versions.
    """
    system_getter = getattr(owner, 'bl_system_properties_get', None)
    if system_getter is not None:
        system = system_getter()
        group = system.get(SETTINGS_KEY) if system is not None else None
        if group is not None:
            return group
    return owner.get(SETTINGS_KEY)


def read_project_settings(scene: Any) -> dict[str, str]:
    """Return the scene's project settings as strings, with defaults for those not set.

    Keys: ``project_name``, ``project_id``, ``shot_channels`` (such as "2,3", empty
    for automatic), ``sequence_source`` (one of SEQUENCE_SOURCES) and
    ``sequence_pattern`` (a regex with a group named ``sequence``, empty for default).
    """
    group = settings_group(scene)
    settings = dict(PROJECT_SETTING_DEFAULTS)
    if group is None:
        return settings
    for key, default in PROJECT_SETTING_DEFAULTS.items():
        settings[key] = _text(group, key, default)
    return settings


def read_tracker(scene: Any, shot_strips: list[Any], project_id: str) -> TrackerData:
    """Return the tracker data of ``scene`` for the given shot strips.

    A scene without tracker data gives empty lists, which the client shows as
    shots without tasks; scene strips are still cast automatically.

    Raises:
        InputError: two entries of one list have the same explicit id.
    """
    group = settings_group(scene)
    reader = _ProjectReader(group, project_id, scene.name)
    data = reader.read_project()
    caster = _AutoCaster(reader, data, enabled=_flag(group, 'auto_cast', DEFAULT_AUTO_CAST))
    for strip in shot_strips:
        shot = settings_group(strip)
        data.shot_tasks[strip.name] = reader.read_shot_tasks(strip, shot)
        data.shot_casting[strip.name] = reader.read_casting(strip, shot, caster)
    return data


class _ProjectReader:
    """Converts the raw scene group into models and resolves names to exported ids."""

    def __init__(self, group: Any, project_id: str, scene_name: str) -> None:
        self.group = group
        self.project_id = project_id
        self.scene_name = scene_name
        self.task_type_ids: dict[str, str] = {}
        self.status_ids: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}
        self.asset_type_ids: dict[str, str] = {}
        self.asset_ids: dict[str, str] = {}
        self.shot_task_type: str | None = None
        self.status_by_tag: dict[str, str] = {}

    def read_project(self) -> TrackerData:
        data = TrackerData()
        data.task_types = [self._task_type(entry) for entry in self._entries('task_types')]
        data.task_statuses = [self._status(entry) for entry in self._entries('task_statuses')]
        data.team = [self._user(entry) for entry in self._entries('team')]
        data.asset_types = [self._asset_type(entry) for entry in self._entries('asset_types')]
        data.assets = [self._asset(entry, data) for entry in self._entries('assets')]
        for label, models_list in (
            ('task type', data.task_types),
            ('task status', data.task_statuses),
            ('team member', data.team),
            ('asset type', data.asset_types),
            ('asset', data.assets),
        ):
            self._check_unique_ids(label, models_list)
        return data

    def _entries(self, key: str) -> Iterator[tuple[str, Any]]:
        """Yield (name, raw entry) of a list, skipping unnamed and repeated names."""
        seen: set[str] = set()
        for entry in _items(self.group, key):
            name = _text(entry, 'name').strip()
            if not name:
                log.warning("Scene '%s': skipping an unnamed entry of %s", self.scene_name, key)
                continue
            if name in seen:
                log.warning(
                    "Scene '%s': skipping the second entry named '%s' in %s",
                    self.scene_name,
                    name,
                    key,
                )
                continue
            seen.add(name)
            yield name, entry

    def _id(self, kind: str, name: str, entry: Any) -> str:
        return _text(entry, 'id').strip() or stable_id(self.project_id, kind, name)

    def _task_type(self, named: tuple[str, Any]) -> models.TaskType:
        name, entry = named
        model = models.TaskType(
            id=self._id('task_type', name, entry),
            name=name,
            color=_hex_color(entry, 'color'),
            for_shots=_flag(entry, 'for_shots', DEFAULT_FOR_SHOTS),
        )
        self.task_type_ids[name] = str(model.id)
        if model.for_shots and self.shot_task_type is None:
            self.shot_task_type = name
        return model

    def _status(self, named: tuple[str, Any]) -> models.TaskStatus:
        name, entry = named
        model = models.TaskStatus(
            id=self._id('task_status', name, entry), name=name, color=_hex_color(entry, 'color')
        )
        self.status_ids[name] = str(model.id)
        tag = _text(entry, 'color_tag', 'NONE')
        if tag != 'NONE' and tag not in self.status_by_tag:
            self.status_by_tag[tag] = name
        return model

    def _user(self, named: tuple[str, Any]) -> models.User:
        name, entry = named
        avatar = _existing_file(_text(entry, 'avatar'), f"avatar of team member '{name}'")
        model = models.User(
            id=self._id('user', name, entry),
            name=name,
            has_avatar=avatar is not None,
            # Source image; the writer replaces it with the path of the 400x400 copy.
            thumbnailUrl=avatar,
        )
        self.user_ids[name] = str(model.id)
        return model

    def _asset_type(self, named: tuple[str, Any]) -> models.AssetType:
        name, entry = named
        model = models.AssetType(id=self._id('asset_type', name, entry), name=name)
        self.asset_type_ids[name] = str(model.id)
        return model

    def asset_type_id(self, name: str, data: TrackerData) -> str:
        """Return the id of the asset type called ``name``, adding that type when missing."""
        if name not in self.asset_type_ids:
            model = models.AssetType(id=stable_id(self.project_id, 'asset_type', name), name=name)
            data.asset_types.append(model)
            self.asset_type_ids[name] = str(model.id)
        return self.asset_type_ids[name]

    def _asset(self, named: tuple[str, Any], data: TrackerData) -> models.Asset:
        name, entry = named
        type_name = _text(entry, 'asset_type').strip()
        if type_name and type_name not in self.asset_type_ids:
            log.warning(
                "Scene '%s': asset '%s' has the unknown asset type '%s', exporting it as '%s'",
                self.scene_name,
                name,
                type_name,
                FALLBACK_ASSET_TYPE,
            )
        if type_name not in self.asset_type_ids:
            type_name = FALLBACK_ASSET_TYPE
        asset_id = self._id('asset', name, entry)
        model = models.Asset(
            id=asset_id,
            name=name,
            asset_type_id=self.asset_type_id(type_name, data),
            tasks=self._tasks(_items(entry, 'tasks'), f"asset '{name}'", ('asset_task', asset_id)),
            thumbnailUrl=_asset_thumbnail(entry, name),
        )
        self.asset_ids[name] = asset_id
        return model

    def read_shot_tasks(self, strip: Any, shot: Any) -> list[models.Task]:
        """Return the tasks of a shot strip, with the status its colour tag sets."""
        owner = f"strip '{strip.name}'"
        key = ('shot_task', strip.name)
        tasks = self._tasks(_items(shot, 'tasks'), owner, key)
        tagged_status = self.status_by_tag.get(getattr(strip, 'color_tag', 'NONE'))
        if tagged_status is None or self.shot_task_type is None:
            return tasks
        type_id = self.task_type_ids[self.shot_task_type]
        status_id = self.status_ids[tagged_status]
        for task in tasks:
            if task.task_type_id == type_id:
                task.task_status_id = status_id
                return tasks
        task_id = stable_id(self.project_id, *key, type_id)
        tasks.append(models.Task(id=task_id, task_type_id=type_id, task_status_id=status_id))
        return self._in_task_type_order(tasks)

    def _tasks(self, entries: list[Any], owner: str, key: tuple[str, str]) -> list[models.Task]:
        tasks: list[models.Task] = []
        seen_types: set[str] = set()
        for entry in entries:
            task = self._task(entry, owner, key)
            if task is None or task.task_type_id in seen_types:
                continue
            seen_types.add(task.task_type_id)
            tasks.append(task)
        return self._in_task_type_order(tasks)

    def _task(self, entry: Any, owner: str, key: tuple[str, str]) -> models.Task | None:
        type_name = _text(entry, 'task_type')
        type_id = self.task_type_ids.get(type_name)
        if type_id is None:
            log.warning(
                "Scene '%s': skipping a task of %s with the unknown task type '%s'",
                self.scene_name,
                owner,
                type_name,
            )
            return None
        status_id = self._task_status_id(_text(entry, 'status'), owner, type_name)
        if status_id is None:
            return None
        return models.Task(
            id=stable_id(self.project_id, *key, type_id),
            task_type_id=type_id,
            task_status_id=status_id,
            assignees=self._assignee_ids(entry, owner),
        )

    def _task_status_id(self, name: str, owner: str, type_name: str) -> str | None:
        """Return the id of status ``name``; an empty or unknown name gets the first status."""
        if name in self.status_ids:
            return self.status_ids[name]
        if name:
            log.warning(
                "Scene '%s': the %s task of %s has the unknown status '%s'",
                self.scene_name,
                type_name,
                owner,
                name,
            )
        if not self.status_ids:
            log.warning(
                "Scene '%s': skipping the %s task of %s because the project has no task statuses",
                self.scene_name,
                type_name,
                owner,
            )
            return None
        return next(iter(self.status_ids.values()))

    def _assignee_ids(self, entry: Any, owner: str) -> list[str]:
        ids: list[str] = []
        for assignee in _items(entry, 'assignees'):
            name = _text(assignee, 'name')
            user_id = self.user_ids.get(name)
            if user_id is None:
                log.warning(
                    "Scene '%s': %s assigns the unknown team member '%s'",
                    self.scene_name,
                    owner,
                    name,
                )
            elif user_id not in ids:
                ids.append(user_id)
        return ids

    def _in_task_type_order(self, tasks: list[models.Task]) -> list[models.Task]:
        order = {type_id: index for index, type_id in enumerate(self.task_type_ids.values())}
        return sorted(tasks, key=lambda task: order[task.task_type_id])

    def read_casting(self, strip: Any, shot: Any, caster: _AutoCaster) -> list[str]:
        """Return the ids of the assets cast in a shot: automatic ones, then explicit ones."""
        asset_ids = caster.cast(strip)
        for entry in _items(shot, 'cast'):
            name = _text(entry, 'name')
            asset_id = self.asset_ids.get(name)
            if asset_id is None:
                log.warning(
                    "Scene '%s': strip '%s' casts the unknown asset '%s'",
                    self.scene_name,
                    strip.name,
                    name,
                )
            elif asset_id not in asset_ids:
                asset_ids.append(asset_id)
        return asset_ids

    def _check_unique_ids(self, label: str, entries: Iterable[Any]) -> None:
        names_by_id: dict[str, str] = {}
        for entry in entries:
            other = names_by_id.setdefault(entry.id, entry.name)
            if other != entry.name:
                raise InputError(
                    f"Scene '{self.scene_name}': the {label}s '{other}' and '{entry.name}' "
                    f"have the same id '{entry.id}'; give each its own id or clear both"
                )


class _AutoCaster:
    """Casts what a scene strip's scene uses, adding the assets it finds to the data.

    When the strip's scene uses data-blocks marked as assets (collections in the
    scene or instanced in it, objects, their materials, the world), those are cast.
    Otherwise its top-level collections and the collections it instances are cast,
    except collections disabled for rendering. Inside a meta strip shot, every scene
    strip counts. An asset of the tracker with the same name takes the place of the
    data-block, so it keeps its type, tasks and thumbnail.
    """

    def __init__(self, reader: _ProjectReader, data: TrackerData, enabled: bool) -> None:
        self.reader = reader
        self.data = data
        self.enabled = enabled
        self.ids_by_datablock: dict[tuple[str, str], str] = {}

    def cast(self, strip: Any) -> list[str]:
        if not self.enabled:
            return []
        asset_ids: list[str] = []
        for scene in scenes_shown_by(strip):
            for collection_name, datablock in datablocks_used_by(scene):
                asset_id = self._asset_id(collection_name, datablock)
                if asset_id not in asset_ids:
                    asset_ids.append(asset_id)
        return asset_ids

    def _asset_id(self, collection_name: str, datablock: Any) -> str:
        key = (collection_name, datablock.name)
        if key in self.ids_by_datablock:
            return self.ids_by_datablock[key]
        asset_id = self.reader.asset_ids.get(datablock.name)
        if asset_id is None:
            asset_id = self._add_asset(collection_name, datablock)
        self.ids_by_datablock[key] = asset_id
        return asset_id

    def _add_asset(self, collection_name: str, datablock: Any) -> str:
        kind = DATABLOCK_KINDS[collection_name]
        asset_id = stable_id(self.reader.project_id, 'datablock', collection_name, datablock.name)
        thumbnail = None
        if getattr(datablock, 'asset_data', None) is not None:
            thumbnail = f'datablock:{collection_name}:{datablock.name}'
        asset = models.Asset(
            id=asset_id,
            name=datablock.name,
            asset_type_id=self.reader.asset_type_id(kind, self.data),
            thumbnailUrl=thumbnail,
        )
        self.data.assets.append(asset)
        return asset_id


def scenes_shown_by(strip: Any) -> list[Any]:
    if strip.type == 'SCENE':
        return [strip.scene] if strip.scene is not None else []
    if strip.type != 'META':
        return []
    from . import compat

    scenes: list[Any] = []
    for inner in compat.strips_of(strip):
        for scene in scenes_shown_by(inner):
            if scene not in scenes:
                scenes.append(scene)
    return scenes


def datablocks_used_by(scene: Any) -> list[tuple[str, Any]]:
    """Return (bpy.data collection name, data-block) pairs that a scene uses, see _AutoCaster."""
    marked = [pair for pair in _all_datablocks(scene) if pair[1].asset_data is not None]
    if marked:
        return marked
    collections = [c for c in scene.collection.children if not c.hide_render]
    for instanced in _instanced_collections(scene):
        if instanced not in collections:
            collections.append(instanced)
    return [('collections', collection) for collection in collections]


def _all_datablocks(scene: Any) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []

    def add(collection_name: str, datablock: Any) -> None:
        if datablock is not None and (collection_name, datablock) not in pairs:
            pairs.append((collection_name, datablock))

    for collection in scene.collection.children_recursive:
        add('collections', collection)
    for collection in _instanced_collections(scene):
        add('collections', collection)
    for scene_object in scene.objects:
        add('objects', scene_object)
        for slot in scene_object.material_slots:
            add('materials', slot.material)
    add('worlds', scene.world)
    return pairs


def _instanced_collections(scene: Any) -> list[Any]:
    instanced: list[Any] = []
    for scene_object in scene.objects:
        collection = scene_object.instance_collection
        is_instance = scene_object.instance_type == 'COLLECTION' and collection is not None
        if is_instance and collection not in instanced:
            instanced.append(collection)
    return instanced


def _asset_thumbnail(entry: Any, asset_name: str) -> str | None:
    """Return the thumbnail source of an asset: an absolute image path or a data-block key.

    A data-block key is ``datablock:<bpy.data collection>:<name>``; the writer renders
    its preview. Either is replaced by the path of the 150x100 copy in the site.
    """
    source = _text(entry, 'thumbnail_source', 'NONE')
    if source == 'FILE':
        return _existing_file(_text(entry, 'thumbnail_path'), f"thumbnail of asset '{asset_name}'")
    if source != 'DATABLOCK':
        return None
    collection_name = _text(entry, 'datablock_type', 'collections')
    name = _text(entry, 'datablock_name')
    import bpy

    collection = getattr(bpy.data, collection_name, None)
    if not name or collection is None or collection.get(name) is None:
        log.warning(
            "Asset '%s': its thumbnail data-block '%s' in bpy.data.%s was not found",
            asset_name,
            name,
            collection_name,
        )
        return None
    return f'datablock:{collection_name}:{name}'


def _existing_file(path: str, what: str) -> str | None:
    """Return the absolute, normalized form of a Blender file path, or None if no file is there."""
    if not path:
        return None
    import bpy

    absolute = os.path.normpath(bpy.path.abspath(path))
    if not os.path.isfile(absolute):
        log.warning("The %s, %s, is not a file; exporting without it", what, absolute)
        return None
    return absolute


def _text(group: Any, key: str, default: str = '') -> str:
    if group is None:
        return default
    value = group.get(key, default)
    return value if isinstance(value, str) else default


def _flag(group: Any, key: str, default: bool) -> bool:
    if group is None:
        return default
    return bool(group.get(key, default))


def _items(group: Any, key: str) -> list[Any]:
    if group is None:
        return []
    return list(group.get(key) or [])


def _hex_color(group: Any, key: str) -> str:
    """Return a stored sRGB colour (three floats from 0 to 1) as ``#RRGGBB``."""
    values = group.get(key)
    channels = list(values)[:3] if values is not None else list(DEFAULT_COLOR)
    clamped = [min(max(float(value), 0.0), 1.0) for value in channels]
    return '#' + ''.join(f'{round(value * 255):02X}' for value in clamped)
