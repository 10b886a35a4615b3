# Writes values.p0.pkl .. values.p5.pkl: one structure in every pickle protocol, read by UnpicklerTest.
import collections
import pickle

obj = {'i': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**63 - 1, -2**63, 2**64, -2**100],
       'f': [0.5, -1e300, float('inf')], 's': ['', 'ascii', 'ünïcödé ✓', 'x' * 300], 'b': [b'', b'\x00\xff', b'y' * 300],
       't': [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)], 'n': None, 'tf': [True, False],
       'od': collections.OrderedDict([('a', 1), ('b', [2])]), 'set': {3}, 'fs': frozenset([4]), 'nested': {'x': {'y': []}},
       (1, 'k'): 'tuple key', 7: 'int key'}
shared = [1, 2]
obj['shared'] = [shared, shared]
for p in range(6):
    with open(f'values.p{p}.pkl', 'wb') as f:
        pickle.dump(obj, f, protocol=p)
