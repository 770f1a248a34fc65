import { render, screen } from '@testing-library/react';
import { Sparkline, sparkGeometry } from './Sparkline';

const T = 1_000_000;

describe('sparkGeometry', () => {
  it('maps time to x and the ratio to y, from 0 to the highest of values and target plus 10%', () => {
    // Box 106×28 with 3 px padding: 100×22 to draw in. y spans 0…0.11 (0.10 + 10%).
    const g = sparkGeometry(
      [
        { time: T, value: 0 },
        { time: T + 30, value: 0.1 },
        { time: T + 120, value: 0.055 },
      ],
      0.05,
      106,
      28,
    )!;
    // x: 3 + 0/120·100 = 3, 3 + 30/120·100 = 28, 103. y: 3 + (0.11 − v)/0.11 · 22 → 25, 5, 14.
    expect(g.line).toBe('M3 25 L28 5 L103 14');
    expect(g.targetY).toBe(15); // 3 + 0.06/0.11 · 22
    expect(g.zeroY).toBeUndefined();
    expect(g.last).toEqual({ x: 103, y: 14 });
  });

  it('keeps the target in view when the trend is far below it, and marks zero when it goes negative', () => {
    // Values −0.1 … 0.01, target 0.05: y spans −0.1 … 0.065 (0.15 + 10%).
    const g = sparkGeometry(
      [
        { time: T, value: 0.01 },
        { time: T + 1, value: -0.1 },
      ],
      0.05,
      106,
      36,
    )!;
    expect(g.targetY).toBe(5.7); // 3 + (0.065 − 0.05)/0.165 · 30 = 5.73
    expect(g.zeroY).toBe(14.8); // 3 + 0.065/0.165 · 30 = 14.82
  });

  it('flat at zero with a zero target, and one timestamp for all: still drawable', () => {
    const g = sparkGeometry(
      [
        { time: T, value: 0 },
        { time: T, value: 0 },
      ],
      0,
      106,
      28,
    )!;
    expect(g.line).toBe('M3 25 L103 25');
  });

  it('nothing to draw below two points or without room', () => {
    expect(sparkGeometry([{ time: T, value: 0.1 }], 0.05, 100, 30)).toBeUndefined();
    expect(sparkGeometry([], 0.05, 100, 30)).toBeUndefined();
    expect(
      sparkGeometry(
        [
          { time: T, value: 0 },
          { time: T + 1, value: 1 },
        ],
        0.05,
        6,
        30,
      ),
    ).toBeUndefined();
  });
});

describe('Sparkline', () => {
  it('an image with the label, the target line and the trend', () => {
    render(
      <Sparkline
        points={[
          { time: T, value: 0.02 },
          { time: T + 60, value: 0.07 },
        ]}
        target={0.05}
        status="over"
        width={200}
        height={40}
        label="Trend: from 2.0% to 7.0%; target 5%"
      />,
    );
    const img = screen.getByRole('img');
    expect(img.getAttribute('aria-label')).toBe('Trend: from 2.0% to 7.0%; target 5%');
    expect(img.querySelector('title')?.textContent).toBe('Trend: from 2.0% to 7.0%; target 5%');
    expect(screen.getByTestId('sparkline-target').getAttribute('y1')).not.toBeNull();
    expect(screen.getByTestId('sparkline-line').getAttribute('d')).toMatch(/^M3 /);
    expect(screen.queryByTestId('sparkline-zero')).toBeNull();
  });

  it('renders nothing for a single point', () => {
    const { container } = render(
      <Sparkline
        points={[{ time: T, value: 0.02 }]}
        target={0.05}
        status="within"
        width={200}
        height={40}
        label="x"
      />,
    );
    expect(container.innerHTML).toBe('');
  });
});
