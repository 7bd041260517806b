"""scripts/execute_notebooks.py empties the execution cache when optim_core's source changes."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)


def test_the_cache_is_cleared_exactly_when_the_library_changes(tmp_path):
    library, cache = tmp_path / "lib", tmp_path / "_build" / ".jupyter_cache"
    (library / "sub").mkdir(parents=True)
    (library / "sub" / "a.py").write_text("x = 1\n")
    doctrees = tmp_path / "_build" / ".doctrees"
    assert not execute_notebooks.clear_if_library_changed(cache, library)  # a new cache: nothing to clear
    (cache / "executed").mkdir()
    doctrees.mkdir()
    assert not execute_notebooks.clear_if_library_changed(cache, library)
    assert (cache / "executed").is_dir() and doctrees.is_dir()
    (library / "sub" / "a.py").write_text("x = 2\n")
    assert execute_notebooks.clear_if_library_changed(cache, library)
    assert not (cache / "executed").exists() and not doctrees.exists()
    assert not execute_notebooks.clear_if_library_changed(cache, library)
    (library / "b.py").write_text("")  # a new module counts too
    assert execute_notebooks.clear_if_library_changed(cache, library)


def test_the_hash_covers_the_real_library():
    assert execute_notebooks.library_hash() == execute_notebooks.library_hash()
    assert execute_notebooks.library_hash() != execute_notebooks.library_hash(ROOT / "tests")
