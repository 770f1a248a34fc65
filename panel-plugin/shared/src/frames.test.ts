import { FieldType, toDataFrame } from '@grafana/data';
import { checkFrames, findField, findFields, numberNamed } from './frames';
import { lastNumber } from './format';

const burn = { description: 'burn (number)', match: numberNamed('burn') };
const budget = { description: 'budget (number)', match: numberNamed('budget') };

describe('checkFrames', () => {
  it('no data when every frame is empty', () => {
    expect(checkFrames([], [[burn]])).toEqual({ state: 'no-data' });
    expect(
      checkFrames(
        [toDataFrame({ fields: [{ name: 'burn', type: FieldType.number, values: [] }] })],
        [[burn]],
      ),
    ).toEqual({
      state: 'no-data',
    });
  });

  it('lists what is missing from the closest alternative', () => {
    const frames = [toDataFrame({ fields: [{ name: 'burn', type: FieldType.number, values: [1] }] })];
    expect(checkFrames(frames, [[burn, budget]])).toEqual({ state: 'wrong-frames', missing: [budget] });
    expect(checkFrames(frames, [[budget], [burn]])).toEqual({ state: 'ok' });
  });

  it('finds fields by display name and type, across frames', () => {
    const frames = [
      toDataFrame({
        fields: [
          {
            name: 'Value',
            type: FieldType.number,
            values: [1, 2, null],
            config: { displayNameFromDS: 'Burn' },
          },
        ],
      }),
      toDataFrame({ fields: [{ name: 'burn', type: FieldType.string, values: ['x'] }] }),
    ];
    expect(findFields(frames, numberNamed('burn'))).toHaveLength(1);
    expect(lastNumber(findField(frames, numberNamed('burn'))?.field)).toBe(2);
  });
});
