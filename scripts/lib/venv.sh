# Shared by the scripts: create and reuse one virtual environment per Blender version.
# Source it from a script that has already changed to the repository root.

PYTHON=${PYTHON:-python3}
VENVS=${WATCHTOWER_VENVS:-.venvs}

# The Blender version the demo, the benchmark and the main test run use.
MAIN_BPY=5.0.1

# Print the path of a virtual environment with bpy==$1 and this package installed with
# the extras in $2, creating or updating it when the requirements changed.
ensure_bpy_venv() {
    local bpy_version=$1 extras=$2
    local venv="$VENVS/bpy-$bpy_version"
    local stamp="$venv/.watchtower-stamp"
    local wanted
    wanted="bpy==$bpy_version [$extras] $(sha256sum pyproject.toml | cut -c1-16)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
        echo "Setting up $venv (bpy $bpy_version), this downloads about 400 MB once" >&2
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
        "$venv/bin/python" -m pip install --quiet "bpy==$bpy_version" -e ".[$extras]" >&2
        echo "$wanted" > "$stamp"
    fi
    echo "$venv"
}

# Print the path of the type-checking environment: fake-bpy-module, mypy and ruff.
# It is separate because fake-bpy-module installs a "bpy" package that clashes with the real one.
ensure_typecheck_venv() {
    local venv="$VENVS/typecheck"
    local stamp="$venv/.watchtower-stamp"
    local wanted="fake-bpy-module-4.2==20260730 mypy==2.4.1 ruff==0.17.6 types-requests"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
        echo "Setting up $venv (type checks)" >&2
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet $wanted >&2
        echo "$wanted" > "$stamp"
    fi
    echo "$venv"
}
