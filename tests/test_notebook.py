"""optim_core.notebook: what a chapter glues is plain numbers under checked names."""

import numpy as np
import pytest

from optim_core.notebook import checked_numbers, plain


def test_numpy_values_become_python_numbers():
    assert type(plain(np.int64(3))) is int and plain(np.int64(3)) == 3
    assert type(plain(np.float32(0.5))) is float
    assert type(plain(np.array(2.5))) is float
    assert plain(np.bool_(True)) is True
    assert plain("ravine") == "ravine"


def test_arrays_and_other_objects_are_refused():
    with pytest.raises(TypeError, match="a glued value must be a number or a string"):
        plain(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="ag_rates"):
        checked_numbers({"rates": [1, 2]}, prefix="ag_")


def test_prefix_and_name_checks():
    assert checked_numbers({"lr": 0.1}, prefix="mom_") == {"mom_lr": 0.1}
    with pytest.raises(ValueError, match="identifier"):
        checked_numbers({"not a name": 1})
