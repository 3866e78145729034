"""Tests for mockapi.patch.strategic: upstream apimachinery patch_test.go cases, kubectl shapes, errors."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from mockapi.patch import PatchError, strategic_merge
from mockapi.patch.schemas import ENDPOINTS, NAMESPACE, NODE, POD, SERVICE, Field

# The MergeItem / RetainKeysMergeItem structs of upstream patch_test.go, as a (recursive) schema.
MERGE_ITEM: dict[str, Field] = {}
RETAIN_KEYS_ITEM = {
    "mergingIntList": Field("merge"),
    "mergingList": Field("merge", "name", MERGE_ITEM),
    "nonMergingList": Field(children=MERGE_ITEM),
}
MERGE_ITEM.update(
    {
        "mergingList": Field("merge", "name", MERGE_ITEM),
        "nonMergingList": Field(children=MERGE_ITEM),
        "mergingIntList": Field("merge"),
        "mergeItemPtr": Field("merge", "name", MERGE_ITEM),
        "replacingItem": Field("replace"),
        "retainKeysMap": Field("retainKeys", children=RETAIN_KEYS_ITEM),
        "retainKeysMergingList": Field("merge,retainKeys", "name", MERGE_ITEM),
    }
)


def _cases(text: str) -> list:
    docs = yaml.safe_load(text)
    return [pytest.param(d["original"], d["patch"], d["result"], id=d["description"]) for d in docs]


# Applications taken from upstream: customStrategicMergePatchTestCaseData (original + twoWay -> modified),
# and strategicMergePatchRawTestCases (current + threeWay -> result, or original + twoWay -> modified).
UPSTREAM = _cases(
    """
- description: unique scalars when merging lists
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [2, 3]}
  result: {mergingIntList: [1, 2, 3]}
- description: delete map from nested map
  original: {simpleMap: {key1: 1, key2: 1}}
  patch: {simpleMap: {$patch: delete}}
  result: {simpleMap: {}}
- description: delete all items from merging list
  original: {mergingList: [{name: 1}, {name: 2}]}
  patch: {mergingList: [{$patch: replace}]}
  result: {mergingList: []}
- description: merge empty merging lists
  original: {mergingList: []}
  patch: {mergingList: []}
  result: {mergingList: []}
- description: delete all keys from map
  original: {name: 1, value: 1}
  patch: {$patch: replace}
  result: {}
- description: add key and delete all keys from map
  original: {name: 1, value: 1}
  patch: {other: a, $patch: replace}
  result: {other: a}
- description: delete all duplicate entries in a merging list
  original: {mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]}
  patch: {mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]}
  result: {mergingList: [{name: 2, value: a}]}
- description: retainKeys map can add a field when no retainKeys directive present
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {value: bar}}
  result: {retainKeysMap: {name: foo, value: bar}}
- description: retainKeys map merge an empty map
  original: {retainKeysMap: {name: foo, value: a}}
  patch: {retainKeysMap: {}}
  result: {retainKeysMap: {name: foo, value: a}}
- description: retainKeys list can delete a field when no retainKeys directive present
  original: {retainKeysMergingList: [{name: bar}, {name: foo, value: a}]}
  patch: {retainKeysMergingList: [{name: foo, value: null}]}
  result: {retainKeysMergingList: [{name: bar}, {name: foo}]}
- description: preserve the order from the patch in a merging list
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]}
  result: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]}
- description: preserve the order from the patch in a merging list 2
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}]}
  result: {mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]}
- description: preserve the order from the patch in a merging int list
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1, 2]}
  result: {mergingIntList: [3, 1, 2]}
- description: preserve the order from the patch in a merging int list 2
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1]}
  result: {mergingIntList: [2, 3, 1]}
- description: setElementOrder contains item that is not present in the list to be merged
  original: {mergingList: [{name: 1}, {name: 3}]}
  patch:
    $setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]
    mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]
  result: {mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
- description: setElementOrder contains item that is not present in the int list to be merged
  original: {mergingIntList: [1, 3]}
  patch: {$setElementOrder/mergingIntList: [3, 2, 1]}
  result: {mergingIntList: [3, 1]}
- description: delete items in lists of scalars
  original: {mergingIntList: [1, 2, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: delete all duplicate items in lists of scalars
  original: {mergingIntList: [1, 2, 3, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: add and delete items in lists of scalars (two-way)
  original: {mergingIntList: [1, 2, 3]}
  patch:
    $setElementOrder/mergingIntList: [1, 2, 4]
    $deleteFromPrimitiveList/mergingIntList: [3]
    mergingIntList: [4]
  result: {mergingIntList: [1, 2, 4]}
- description: merge lists of maps
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
    mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]
  result:
    mergingList:
    - {name: 4, value: 4}
    - {name: 1, other: a}
    - {name: 2, value: 2, other: b}
    - {name: 3, value: 3}
- description: merge lists of maps with conflict
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 3, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]
    mergingList: [{name: 2, value: 2}, {name: 3, value: 3}]
  result: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
- description: add field to map in merging list with conflict
  original: {mergingList: [{name: 1, other: a}, {name: 3, value: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]
  result: {mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2}, {name: 3, value: 2, other: b}]}
- description: delete map from merging list
  original: {mergingList: [{name: 1}, {name: 2, other: b}]}
  patch: {$setElementOrder/mergingList: [{name: 2}], mergingList: [{name: 1, $patch: delete}]}
  result: {mergingList: [{name: 2, other: b}]}
- description: delete missing map from merging list
  original: {mergingList: [{name: 2, other: b}]}
  patch: {$setElementOrder/mergingList: [{name: 2}], mergingList: [{name: 1, $patch: delete}]}
  result: {mergingList: [{name: 2, other: b}]}
- description: delete missing map from merging list with conflict
  original: {mergingList: [{name: 3, other: a}]}
  patch: {$setElementOrder/mergingList: [{name: 2}], mergingList: [{name: 2}, {name: 1, $patch: delete}]}
  result: {mergingList: [{name: 2}, {name: 3, other: a}]}
- description: add map and delete map from merging list
  original: {mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]}
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}]
    mergingList: [{name: 3}, {name: 1, $patch: delete}]
  result: {mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]}
- description: add map and delete map from merging list with conflict
  original: {mergingList: [{name: 1, other: a}, {name: 4, other: c}]}
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}]
    mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]
  result: {mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]}
- description: delete field from map in merging list
  original: {mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]}
  patch: {$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, value: null}]}
  result: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]}
- description: replace non merging list nested in merging list
  original:
    mergingList: [{name: 1, other: a, nonMergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2, other: b}]
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]
  result: {mergingList: [{name: 1, other: a, nonMergingList: [{name: 1, value: 1}]}, {name: 2, other: b}]}
- description: add field to map in merging list nested in merging list with value conflict
  original:
    mergingList:
    - {name: 1, other: a, mergingList: [{name: 1, value: a, other: c}, {name: 2, value: b, other: d}]}
    - {name: 2, other: b}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList:
    - $setElementOrder/mergingList: [{name: 1}, {name: 2}]
      name: 1
      mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]
  result:
    mergingList:
    - {name: 1, other: a, mergingList: [{name: 1, value: 1, other: c}, {name: 2, value: 2, other: d}]}
    - {name: 2, other: b}
- description: add field to map in merging list nested in merging list with deletion conflict (reordered)
  original:
    mergingList: [{name: 1, other: a, mergingList: [{name: 2, value: 2, other: d}]}, {name: 2, other: b}]
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList:
    - $setElementOrder/mergingList: [{name: 2}, {name: 1}]
      name: 1
      mergingList: [{name: 1, value: 1}]
  result:
    mergingList:
    - {name: 1, other: a, mergingList: [{name: 2, value: 2, other: d}, {name: 1, value: 1}]}
    - {name: 2, other: b}
- description: add map to merging list by pointer
  original: {mergeItemPtr: [{name: 1, other: a}, {name: 3}]}
  patch: {$setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}], mergeItemPtr: [{name: 2}]}
  result: {mergeItemPtr: [{name: 1, other: a}, {name: 2}, {name: 3}]}
- description: merge lists of scalars
  original: {mergingIntList: [1, 2, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 3, 4]}
- description: add an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 4, 2]}
  patch: {$setElementOrder/mergingIntList: [3, 1, 2], mergingIntList: [3]}
  result: {mergingIntList: [3, 1, 4, 2]}
- description: delete an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [2, 1], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [2, 1]}
- description: add an item in a list and preserve order
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]}
  patch: {$setElementOrder/mergingList: [{name: 3}, {name: 1}, {name: 2}], mergingList: [{name: 3, value: 3}]}
  result: {mergingList: [{name: 3, value: 3}, {name: 1, other: a}, {name: 2, value: 2, other: b}]}
- description: add multiple items in a list and preserve order
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 4}, {name: 2}, {name: 3}]
    mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]
  result:
    mergingList:
    - {name: 1, other: a}
    - {name: 4, value: 4}
    - {name: 2, value: 2, other: b}
    - {name: 3, value: 3}
- description: delete an item in a list and preserve order
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}], mergingList: [{name: 3, $patch: delete}]}
  result: {mergingList: [{name: 2, value: 2, other: b}, {name: 1, other: a}]}
- description: change an item in a list and preserve order
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}, {name: 1}]
    mergingList: [{name: 3, value: x}]
  result: {mergingList: [{name: 2, value: 2, other: b}, {name: 3, value: x}, {name: 1, other: a}]}
- description: add and delete an item in a list and preserve order
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
  patch:
    $setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 1}]
    mergingList: [{name: 4, value: 4}, {name: 3, $patch: delete}]
  result: {mergingList: [{name: 4, value: 4}, {name: 2, value: 2, other: b}, {name: 1, other: a}]}
- description: set elements order in a list with server-only items
  original: {mergingList: [{name: 1, other: a}, {name: 3}, {name: 4}, {name: 2}, {name: 9}]}
  patch: {$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]}
  result: {mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1, other: a}, {name: 9}]}
- description: set elements order in a list with server-only items 2
  original: {mergingList: [{name: 1, other: a}, {name: 2}, {name: 9}, {name: 3}, {name: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
  result: {mergingList: [{name: 2}, {name: 1, other: a}, {name: 9}, {name: 4}, {name: 3}]}
- description: set elements order in a list with server-only items 3
  original: {mergingList: [{name: 1}, {name: 2}, {name: 7}, {name: 9}, {name: 8}, {name: 3}, {name: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
  result: {mergingList: [{name: 2}, {name: 1}, {name: 7}, {name: 9}, {name: 8}, {name: 4}, {name: 3}]}
- description: add multiple items in a int list and preserve order
  original: {mergingIntList: [1, 2]}
  patch: {$setElementOrder/mergingIntList: [1, 4, 2, 3], mergingIntList: [4, 3]}
  result: {mergingIntList: [1, 4, 2, 3]}
- description: add and delete an item in a int list and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch:
    $setElementOrder/mergingIntList: [4, 2, 1]
    mergingIntList: [4]
    $deleteFromPrimitiveList/mergingIntList: [3]
  result: {mergingIntList: [4, 2, 1]}
- description: set elements order in a int list with server-only items 2
  original: {mergingIntList: [1, 2, 9, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
  result: {mergingIntList: [2, 1, 9, 4, 3]}
- description: set elements order in a int list with server-only items 3
  original: {mergingIntList: [1, 2, 7, 9, 8, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
  result: {mergingIntList: [2, 1, 7, 9, 8, 4, 3]}
- description: behavior of set element order for a merging list with duplicate
  original: {mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]}
  result: {mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]}
- description: behavior of set element order for a merging int list with duplicate
  original: {mergingIntList: [1, 2, 3, 2, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]}
  result: {mergingIntList: [2, 2, 1, 4, 3]}
- description: retainKeys map should clear defaulted field
  original: {retainKeysMap: {value: foo}}
  patch: {retainKeysMap: {$retainKeys: [other], other: bar}}
  result: {retainKeysMap: {other: bar}}
- description: retainKeys map should clear defaulted field with conflict (discriminated union)
  original: {retainKeysMap: {name: type1, value: foo}}
  patch: {retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}}
  result: {retainKeysMap: {name: type2, other: bar}}
- description: retainKeys map deletes a field and clears a field
  original: {retainKeysMap: {name: foo, value: bar, other: a}}
  patch: {retainKeysMap: {$retainKeys: [name], value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys map adds a field in a nested map
  original: {retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key3: c}}}
  patch: {retainKeysMap: {$retainKeys: [name, simpleMap, value], simpleMap: {key2: b}}}
  result: {retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b, key3: c}}}
- description: retainKeys map adds an item in nested merging int list
  original: {retainKeysMap: {name: foo, mergingIntList: [1, 2, 3]}}
  patch:
    retainKeysMap:
      $setElementOrder/mergingIntList: [1, 2, 4]
      $retainKeys: [mergingIntList, name]
      mergingIntList: [4]
  result: {retainKeysMap: {name: foo, mergingIntList: [1, 2, 4, 3]}}
- description: retainKeys map adds an item and deletes an item in nested merging int list
  original: {retainKeysMap: {name: foo, mergingIntList: [1, 2, 3, 4]}}
  patch:
    retainKeysMap:
      $retainKeys: [mergingIntList, name]
      mergingIntList: [5]
      $deleteFromPrimitiveList/mergingIntList: [2]
      $setElementOrder/mergingIntList: [1, 3, 5]
  result: {retainKeysMap: {name: foo, mergingIntList: [1, 3, 5, 4]}}
- description: retainKeys map nested merging list with no change
  original: {retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: c}]}}
  patch:
    retainKeysMap:
      $retainKeys: [mergingList, name, value]
      $setElementOrder/mergingList: [{name: a}, {name: b}]
      value: bar
  result: {retainKeysMap: {name: foo, value: bar, mergingList: [{name: a}, {name: b}, {name: c}]}}
- description: retainKeys map adds an item in nested merging list
  original: {retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}}
  patch:
    retainKeysMap:
      $retainKeys: [mergingList, name]
      $setElementOrder/mergingList: [{name: a}, {name: b}, {name: c}]
      mergingList: [{name: c}]
  result: {retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: c}, {name: x}]}}
- description: retainKeys map deletes an item in nested merging list
  original: {retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}}
  patch:
    retainKeysMap:
      $retainKeys: [mergingList, name]
      $setElementOrder/mergingList: [{name: a}]
      mergingList: [{name: b, $patch: delete}]
  result: {retainKeysMap: {name: foo, mergingList: [{name: a}, {name: x}]}}
- description: retainKeys list of maps clears a field
  original: {retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]}
  patch:
    $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
    retainKeysMergingList: [{$retainKeys: [name, value], name: foo}]
  result: {retainKeysMergingList: [{name: bar}, {name: foo, value: a}]}
- description: retainKeys list of maps changes a field and clear a field with conflict
  original: {retainKeysMergingList: [{name: bar}, {name: foo, value: modified, other: x}]}
  patch:
    $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
    retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: new}]
  result: {retainKeysMergingList: [{name: bar}, {name: foo, value: new}]}
- description: delete and reorder in one list, reorder in another
  original:
    mergingList: [{name: a, value: a}, {name: b, value: b}]
    mergeItemPtr: [{name: c, value: c}, {name: d, value: d}]
  patch:
    $setElementOrder/mergingList: [{name: b}]
    $setElementOrder/mergeItemPtr: [{name: d}, {name: c}]
    mergingList: [{$patch: delete, name: a}]
  result:
    mergingList: [{name: b, value: b}]
    mergeItemPtr: [{name: d, value: d}, {name: c, value: c}]
- description: replace RawExtension field and merge list
  original:
    name: my-object
    mergingList: [{name: 1}, {name: 3}]
    replacingItem: {Some: Generic, Yaml: Inside, The: RawExtension, Field: Period}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 2}]
    replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}
  result:
    name: my-object
    mergingList: [{name: 1}, {name: 2}, {name: 3}]
    replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}
- description: unknown fields removed only
  original: {name: foo, scalar: true, complex: {nested: true}, array: [1, 2, 3]}
  patch: {complex: null, scalar: null}
  result: {array: [1, 2, 3], name: foo}
- description: defined null values should propagate removing original fields
  original: {name: original-name, value: original-value, other: current-other}
  patch: {name: modified-name, value: null}
  result: {name: modified-name, other: current-other}
"""
)


@pytest.mark.parametrize(("original", "patch", "expected"), UPSTREAM)
def test_upstream_case(original: dict, patch: dict, expected: dict) -> None:
    assert strategic_merge(original, patch, MERGE_ITEM) == expected


@pytest.mark.parametrize(
    ("original", "patch", "message"),
    [
        pytest.param(
            {"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]},
            {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
             "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
            "doesn't match",
            id="order in $setElementOrder and patch list must match",
        ),
        pytest.param(
            {"mergingIntList": [1, 3, 2]},
            {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]},
            "doesn't match",
            id="order in $setElementOrder and patch int list must match",
        ),
        pytest.param(
            {"mergingList": [{"name": 1, "value": "a"}]},
            {"mergingList": [{"value": "b"}]},
            "map: map[value:b] does not contain declared merge key: name",
            id="missing merge key",
        ),
    ],
)
def test_upstream_errors(original: dict, patch: dict, message: str) -> None:
    with pytest.raises(PatchError, match=re.escape(message)):
        strategic_merge(original, patch, MERGE_ITEM)


# --- kubectl shapes on real kinds ------------------------------------------------------------------


def _pod() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
                     "finalizers": ["a/one", "b/two"]},
        "spec": {
            "containers": [
                {
                    "name": "nginx",
                    "image": "nginx:1.25",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                },
                {"name": "sidecar", "image": "busybox"},
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"key": "k", "operator": "Exists"}],
            "nodeSelector": {"disk": "ssd", "zone": "a"},
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "nginx", "ready": True}, {"name": "sidecar", "ready": True}],
        },
    }


def test_kubectl_client_side_apply_patch() -> None:
    original = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                 "ports": [{"containerPort": 80, "protocol": "TCP"}]}]},
    }
    patch = {
        "metadata": {"annotations": {"a": "b"}, "labels": {"tier": "front"}},
        "spec": {"$setElementOrder/containers": [{"name": "nginx"}],
                 "containers": [{"image": "nginx:1.26", "name": "nginx"}]},
    }
    result = strategic_merge(original, patch, POD)
    assert result == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}, "annotations": {"a": "b"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.26",
                                 "ports": [{"containerPort": 80, "protocol": "TCP"}]}]},
    }


def test_inputs_are_not_mutated() -> None:
    original = _pod()
    patch = {
        "metadata": {"labels": {"app": None, "tier": "front"},
                     "$deleteFromPrimitiveList/finalizers": ["a/one"]},
        "spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "new"}],
            "containers": [
                {"name": "nginx", "$setElementOrder/env": [{"name": "B"}, {"name": "C"}],
                 "env": [{"name": "A", "$patch": "delete"}, {"name": "C", "value": "3"}]},
                {"name": "new", "image": "x"},
                {"name": "sidecar", "$patch": "delete"},
            ],
            "volumes": [{"$retainKeys": ["name", "configMap"], "name": "data", "configMap": {"name": "cm"}}],
        },
    }
    original_copy, patch_copy = copy.deepcopy(original), copy.deepcopy(patch)
    result = strategic_merge(original, patch, POD)
    assert original == original_copy
    assert patch == patch_copy
    assert [c["name"] for c in result["spec"]["containers"]] == ["nginx", "new"]
    assert result["spec"]["containers"][0]["env"] == [{"name": "B", "value": "2"},
                                                      {"name": "C", "value": "3"}]
    assert result["spec"]["volumes"] == [{"name": "data", "configMap": {"name": "cm"}}]
    assert result["metadata"]["labels"] == {"tier": "front"}
    assert result["metadata"]["finalizers"] == ["b/two"]
    # the result shares no containers with the inputs
    result["spec"]["containers"][0]["image"] = "changed"
    assert original["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_kubectl_apply_removes_a_container() -> None:
    patch = {"spec": {"$setElementOrder/containers": [{"name": "nginx"}],
                      "containers": [{"$patch": "delete", "name": "sidecar"}]}}
    result = strategic_merge(_pod(), patch, POD)
    assert [c["name"] for c in result["spec"]["containers"]] == ["nginx"]
    assert result["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_merge_list_items_matched_by_merge_key_and_new_ones_appended() -> None:
    patch = {"spec": {"containers": [{"name": "sidecar", "image": "busybox:2"},
                                     {"name": "extra", "image": "alpine"}]}}
    result = strategic_merge(_pod(), patch, POD)
    assert [(c["name"], c["image"]) for c in result["spec"]["containers"]] == [
        ("nginx", "nginx:1.25"), ("sidecar", "busybox:2"), ("extra", "alpine")]


def test_nested_merge_lists_use_their_own_keys() -> None:
    patch = {"spec": {"containers": [{"name": "nginx",
                                      "ports": [{"containerPort": 443, "protocol": "TCP"}],
                                      "env": [{"name": "B", "value": "two"}],
                                      "volumeMounts": [{"name": "data", "mountPath": "/data",
                                                        "readOnly": True}]}]}}
    nginx = strategic_merge(_pod(), patch, POD)["spec"]["containers"][0]
    assert nginx["ports"] == [{"containerPort": 443, "protocol": "TCP"},
                              {"containerPort": 80, "protocol": "TCP"}]
    assert nginx["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}]
    assert nginx["volumeMounts"] == [{"name": "data", "mountPath": "/data", "readOnly": True}]


def test_atomic_lists_are_replaced_whole() -> None:
    patch = {"spec": {"tolerations": [{"key": "other", "operator": "Exists"}]},
             "status": {"containerStatuses": [{"name": "nginx", "ready": False}]}}
    result = strategic_merge(_pod(), patch, POD)
    assert result["spec"]["tolerations"] == [{"key": "other", "operator": "Exists"}]
    assert result["status"]["containerStatuses"] == [{"name": "nginx", "ready": False}]


def test_status_conditions_merge_by_type() -> None:
    patch = {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Probe"}]}}
    result = strategic_merge(_pod(), patch, POD)
    assert result["status"]["conditions"] == [{"type": "Ready", "status": "False", "reason": "Probe"},
                                              {"type": "PodScheduled", "status": "True"}]


def test_null_deletes_keys_and_nested_maps_merge() -> None:
    patch = {"metadata": {"labels": {"app": None, "new": "x"}, "missing": None},
             "spec": {"nodeSelector": {"zone": None}}}
    result = strategic_merge(_pod(), patch, POD)
    assert result["metadata"]["labels"] == {"new": "x"}
    assert "missing" not in result["metadata"]
    assert result["spec"]["nodeSelector"] == {"disk": "ssd"}


def test_without_set_element_order_unknown_patch_items_go_first() -> None:
    # upstream mergeSortedSlice: a patch item the server list does not know wins every comparison, so a
    # plain `kubectl patch` adds new entries in front; $setElementOrder (kubectl apply) fixes the order.
    pod = _pod()
    result = strategic_merge(pod, {"spec": {"containers": [{"name": "debug", "image": "x"}]}}, POD)
    assert [c["name"] for c in result["spec"]["containers"]] == ["debug", "nginx", "sidecar"]
    result = strategic_merge(pod, {"metadata": {"finalizers": ["c/three"]}}, POD)
    assert result["metadata"]["finalizers"] == ["c/three", "a/one", "b/two"]
    patch = {"metadata": {"$setElementOrder/finalizers": ["a/one", "b/two", "c/three"],
                          "finalizers": ["c/three"]}}
    assert strategic_merge(pod, patch, POD)["metadata"]["finalizers"] == ["a/one", "b/two", "c/three"]


def test_finalizers_union_in_order_without_duplicates() -> None:
    result = strategic_merge(_pod(), {"metadata": {"finalizers": ["b/two", "c/three", "c/three"]}}, POD)
    assert result["metadata"]["finalizers"] == ["a/one", "b/two", "c/three"]


def test_delete_from_primitive_list() -> None:
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a/one", "absent"]}}
    assert strategic_merge(_pod(), patch, POD)["metadata"]["finalizers"] == ["b/two"]


def test_delete_from_absent_primitive_list_is_a_no_op() -> None:
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}
    result = strategic_merge({"metadata": {}}, patch, POD)
    assert result == {"metadata": {}}


def test_owner_references_merge_by_uid() -> None:
    original = {"metadata": {"ownerReferences": [{"uid": "1", "kind": "ReplicaSet", "name": "rs"}]}}
    patch = {"metadata": {"ownerReferences": [{"uid": "1", "controller": True}, {"uid": "2", "kind": "Job"}]}}
    assert strategic_merge(original, patch, POD)["metadata"]["ownerReferences"] == [
        {"uid": "1", "kind": "ReplicaSet", "name": "rs", "controller": True}, {"uid": "2", "kind": "Job"}]


def test_volume_source_switch_with_retain_keys() -> None:
    patch = {"spec": {"$setElementOrder/volumes": [{"name": "data"}],
                      "volumes": [{"$retainKeys": ["configMap", "name"], "name": "data",
                                   "configMap": {"name": "settings"}}]}}
    assert strategic_merge(_pod(), patch, POD)["spec"]["volumes"] == [
        {"name": "data", "configMap": {"name": "settings"}}]


def test_retain_keys_rejects_patch_fields_outside_the_list() -> None:
    patch = {"spec": {"volumes": [{"$retainKeys": ["name"], "name": "data", "hostPath": {"path": "/x"}}]}}
    with pytest.raises(PatchError) as info:
        strategic_merge(_pod(), patch, POD)
    assert (info.value.message, info.value.code) == ("invalid patch format of retainKeys", 400)


def test_retain_keys_must_be_a_list() -> None:
    with pytest.raises(PatchError, match="invalid patch format of retainKeys"):
        strategic_merge({"a": 1}, {"$retainKeys": "a"}, {})


def test_replace_directive_in_merge_list_replaces_the_list() -> None:
    patch = {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}}
    assert strategic_merge(_pod(), patch, POD)["spec"]["containers"] == [{"name": "only", "image": "x"}]


def test_replace_directive_on_a_map() -> None:
    patch = {"spec": {"nodeSelector": {"$patch": "replace", "gpu": "yes"}}}
    assert strategic_merge(_pod(), patch, POD)["spec"]["nodeSelector"] == {"gpu": "yes"}


def test_delete_directive_on_a_map_leaves_it_empty() -> None:
    result = strategic_merge(_pod(), {"spec": {"nodeSelector": {"$patch": "delete"}}}, POD)
    assert result["spec"]["nodeSelector"] == {}


def test_delete_directive_at_top_level_empties_the_object() -> None:
    assert strategic_merge(_pod(), {"$patch": "delete"}, POD) == {}


def test_delete_list_item_by_merge_key() -> None:
    patch = {"status": {"conditions": [{"type": "PodScheduled", "$patch": "delete"}]}}
    result = strategic_merge(_pod(), patch, POD)
    assert result["status"]["conditions"] == [{"type": "Ready", "status": "True"}]


def test_directives_never_leak_into_new_values() -> None:
    patch = {
        "spec": {
            "containers": [{"name": "new", "image": "x", "$retainKeys": ["name", "image", "env"],
                            "$setElementOrder/env": [{"name": "Z"}, {"name": "Y"}],
                            "env": [{"name": "Z", "value": "z"}, {"name": "Y", "value": "y"},
                                    {"name": "gone", "$patch": "delete"}]}],
            "affinity": {"nodeAffinity": {"$patch": "replace", "x": {"$patch": "delete"}, "y": None}},
            "dnsConfig": {"$setElementOrder/options": [{"name": "a"}], "options": [{"name": "a"}]},
        },
        "metadata": {"$deleteFromPrimitiveList/unknownList": ["x"]},
    }
    result = strategic_merge(_pod(), patch, POD)
    new = result["spec"]["containers"][0]
    assert new == {"name": "new", "image": "x",
                   "env": [{"name": "Z", "value": "z"}, {"name": "Y", "value": "y"}]}
    assert result["spec"]["affinity"] == {"nodeAffinity": {"x": {}}}
    assert result["spec"]["dnsConfig"] == {"options": [{"name": "a"}]}
    assert "$" not in repr(result)


def test_new_values_are_taken_verbatim_minus_nulls() -> None:
    # upstream copies a value with nothing to merge into as is (discardNullValuesFromPatch): no dedupe
    patch = {"mergingIntList": [2, 2, 1], "simpleMap": {"a": None, "b": 1},
             "mergingList": [{"name": 1, "value": None}, {"name": 1, "other": "x"}]}
    expected = {"mergingIntList": [2, 2, 1], "simpleMap": {"b": 1},
                "mergingList": [{"name": 1}, {"name": 1, "other": "x"}]}
    assert strategic_merge({}, patch, MERGE_ITEM) == expected


def test_replace_directive_keeps_the_patch_verbatim() -> None:
    # the replacement list is ordered stably by first occurrence of each merge key, as upstream's
    # normalizeSliceOrder does
    original = {"simpleMap": {"a": 1}, "mergingList": [{"name": 9}]}
    patch = {"simpleMap": {"$patch": "replace", "b": 2},
             "mergingList": [{"$patch": "replace"}, {"name": 2}, {"name": 1}, {"name": 2, "value": 3}]}
    assert strategic_merge(original, patch, MERGE_ITEM) == {
        "simpleMap": {"b": 2}, "mergingList": [{"name": 2}, {"name": 2, "value": 3}, {"name": 1}]}


def test_set_element_order_over_empty_lists_fails_like_upstream() -> None:
    with pytest.raises(PatchError, match="^no elements in any of the given slices$"):
        strategic_merge({}, {"$setElementOrder/mergingList": [], "mergingList": []}, MERGE_ITEM)


def test_set_element_order_over_a_new_list_needs_merge_keys_like_upstream() -> None:
    patch = {"$setElementOrder/mergingList": [{"name": 1}],
             "mergingList": [{"$patch": "replace"}, {"name": 1}]}
    message = "map: map[$patch:replace] does not contain declared merge key: name"
    with pytest.raises(PatchError, match=re.escape(message)):
        strategic_merge({}, patch, MERGE_ITEM)


def test_type_change_replaces_value() -> None:
    result = strategic_merge({"mergingList": [{"name": 1}, {"name": 1}]}, {"mergingList": {}}, MERGE_ITEM)
    assert result == {"mergingList": {}}


def test_replace_strategy_replaces_maps_whole() -> None:
    result = strategic_merge({"replacingItem": {"a": 1, "b": 2}}, {"replacingItem": {"b": 3}}, MERGE_ITEM)
    assert result == {"replacingItem": {"b": 3}}


def test_service_ports_merge_by_port() -> None:
    original = {"spec": {"ports": [{"port": 80, "targetPort": 8080, "name": "http"}],
                         "selector": {"app": "a"}}}
    patch = {"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443, "name": "https"}],
                      "selector": {"app": "b"}}}
    assert strategic_merge(original, patch, SERVICE)["spec"] == {
        "ports": [{"port": 80, "targetPort": 9090, "name": "http"}, {"port": 443, "name": "https"}],
        "selector": {"app": "b"},
    }


def test_node_schema() -> None:
    original = {"spec": {"podCIDRs": ["10.0.0.0/24"], "taints": [{"key": "a", "effect": "NoSchedule"}]},
                "status": {"conditions": [{"type": "Ready", "status": "True"}],
                           "addresses": [{"type": "InternalIP", "address": "10.1.1.1"}]}}
    patch = {"spec": {"podCIDRs": ["fd00::/64"], "taints": [{"key": "b", "effect": "NoExecute"}],
                      "unschedulable": True},
             "status": {"conditions": [{"type": "Ready", "status": "False"}],
                        "addresses": [{"type": "Hostname", "address": "n1"}]}}
    result = strategic_merge(original, patch, NODE)
    assert result["spec"] == {"podCIDRs": ["fd00::/64", "10.0.0.0/24"], "unschedulable": True,
                              "taints": [{"key": "b", "effect": "NoExecute"}]}
    assert result["status"]["conditions"] == [{"type": "Ready", "status": "False"}]
    assert result["status"]["addresses"] == [{"type": "Hostname", "address": "n1"},
                                             {"type": "InternalIP", "address": "10.1.1.1"}]


def test_namespace_spec_finalizers_are_atomic_but_metadata_finalizers_merge() -> None:
    original = {"metadata": {"finalizers": ["x"]}, "spec": {"finalizers": ["kubernetes"]}}
    patch = {"metadata": {"finalizers": ["y"]}, "spec": {"finalizers": []}}
    assert strategic_merge(original, patch, NAMESPACE) == {"metadata": {"finalizers": ["y", "x"]},
                                                           "spec": {"finalizers": []}}


def test_endpoints_subsets_are_atomic() -> None:
    original = {"subsets": [{"addresses": [{"ip": "1.1.1.1"}], "ports": [{"port": 80}]}]}
    patch = {"subsets": [{"addresses": [{"ip": "2.2.2.2"}]}]}
    assert strategic_merge(original, patch, ENDPOINTS) == patch


def test_the_pod_kind_carries_its_patch_schema() -> None:
    from mockapi.registry import RESOURCES_BY_KIND

    assert RESOURCES_BY_KIND["Pod"].patch_schema is POD


def test_set_element_order_on_a_non_merge_list_is_dropped() -> None:
    result = strategic_merge(_pod(), {"spec": {"$setElementOrder/tolerations": [{"key": "k"}]}}, POD)
    assert result["spec"]["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert "$setElementOrder/tolerations" not in result["spec"]


# --- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "message", "code"),
    [
        pytest.param({"spec": {"nodeSelector": {"$patch": "foo", "a": "b"}}},
                     "unknown patch type: foo in map: map[$patch:foo a:b]", 500, id="bad $patch in map"),
        pytest.param({"spec": {"nodeSelector": {"$patch": "merge"}}},
                     "unknown patch type: merge in map: map[$patch:merge]", 500, id="merge directive in map"),
        pytest.param({"spec": {"containers": [{"name": "nginx", "$patch": "merge"}]}},
                     "merging lists cannot yet be specified in the patch", 500, id="merge directive in list"),
        pytest.param({"spec": {"containers": [{"name": "nginx", "$patch": "foo"}]}},
                     "unknown patch type: foo in map: map[$patch:foo name:nginx]", 500,
                     id="bad $patch in list"),
        pytest.param({"spec": {"containers": [{"$patch": "delete", "image": "x"}]}},
                     "map: map[$patch:delete image:x] does not contain declared merge key: name", 500,
                     id="delete without merge key"),
        pytest.param({"spec": {"containers": [{"image": "x"}]}},
                     "map: map[image:x] does not contain declared merge key: name", 500,
                     id="missing merge key"),
        pytest.param({"spec": {"$setElementOrder": []}}, "invalid patch format of setElementOrder list", 400,
                     id="setElementOrder without field"),
        pytest.param({"spec": {"$setElementOrder/containers": "nginx"}},
                     "expected a []interface {}, but received a string", 500,
                     id="setElementOrder not a list"),
        pytest.param({"metadata": {"$deleteFromPrimitiveList/finalizers": "a/one"}},
                     "invalid patch format of primitive list", 400, id="deletion list not a list"),
        pytest.param({"metadata": {"ownerReferences": [["nested"]]}}, "lists of lists are not supported", 422,
                     id="list of lists"),
        pytest.param({"metadata": {"finalizers": [1]}},
                     "list element types are not identical: [[a/one b/two] [1]]", 500,
                     id="mixed element types"),
    ],
)
def test_malformed_patches(patch: dict, message: str, code: int) -> None:
    with pytest.raises(PatchError) as info:
        strategic_merge(_pod(), patch, POD)
    assert str(info.value) == message
    assert info.value.code == code


def test_non_dict_documents_are_rejected() -> None:
    with pytest.raises(PatchError, match="invalid JSON document"):
        strategic_merge({}, [], {})  # type: ignore[arg-type]


def test_field_rejects_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="unexpected patch strategy"):
        Field("sideways")
