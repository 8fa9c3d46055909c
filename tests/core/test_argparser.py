"""Command line options shared by writer scripts and the Blender command line."""

import argparse
import pathlib

import pytest

from watchtower_blender_addon.core import argparser


def test_defaults():
    parsed = argparser.parse_args([])
    assert parsed.bundle is False
    assert parsed.project_ids == []
    assert parsed.destination_path == pathlib.Path.cwd()


def test_all_options(tmp_path):
    parsed = argparser.parse_args(['-b', '-p', 'a', 'b', '-d', str(tmp_path)])
    assert parsed.bundle is True
    assert parsed.project_ids == ['a', 'b']
    assert parsed.destination_path == tmp_path


def test_no_bundle_option():
    assert argparser.parse_args(['--bundle', '--no-bundle']).bundle is False


def test_missing_destination_accepted(tmp_path):
    destination = tmp_path / 'not' / 'yet'
    parsed = argparser.parse_args(['--destination', str(destination)])
    assert parsed.destination_path == destination
    assert not destination.exists()


def test_destination_that_is_a_file_rejected(tmp_path, capsys):
    path = tmp_path / 'file.txt'
    path.write_text('x')
    with pytest.raises(SystemExit) as raised:
        argparser.parse_args(['-d', str(path)])
    assert raised.value.code == 2
    assert 'exists and is not a folder' in capsys.readouterr().err


def test_other_parser_extended_with_writer_options(tmp_path):
    parser = argparse.ArgumentParser(prog='export')
    parser.add_argument('--scene')
    argparser.add_arguments(parser)
    namespace = parser.parse_args(['--scene', 'Edit', '-d', str(tmp_path), '-b'])
    parsed = argparser.parsed_args_from_namespace(namespace)
    assert namespace.scene == 'Edit'
    assert parsed.destination_path == tmp_path
    assert parsed.bundle is True


def test_build_parser_passes_options():
    parser = argparser.build_parser(prog='writer')
    assert parser.prog == 'writer'
    assert parser.parse_args(['-p']).projects == []
