import { expect, it } from 'vitest';
import { labelsParam } from './resources';

it('writes a labels parameter sorted, escaping "," and "\\" in values', () => {
  expect(labelsParam({})).toBeUndefined();
  expect(labelsParam({ iface: 'eth0', host: 'web1' })).toBe('host=web1,iface=eth0');
  expect(labelsParam({ path: 'a,b\\c' })).toBe('path=a\\,b\\\\c');
});
