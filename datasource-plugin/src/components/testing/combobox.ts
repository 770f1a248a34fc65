/**
 * Test helpers for @grafana/ui's `Combobox`/`MultiCombobox` under jsdom. They need three things jsdom does
 * not do: canvas text measurement (the input's auto width), `IntersectionObserver` (scroll indicators) and
 * element sizes (the option list is virtualised: with a 0 px tall list no option would be rendered at all).
 * Only for tests; nothing in the plugin imports this.
 *
 * @packageDocumentation
 */
import { screen, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';

/** Installs the layout stubs; call once per test file, before rendering. */
export function installComboboxStubs(): void {
  HTMLCanvasElement.prototype.getContext = (() => ({
    measureText: (text: string) => ({ width: text.length * 7 }),
    font: '',
  })) as never;
  class IntersectionObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
    takeRecords(): [] {
      return [];
    }
  }
  (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver ??= IntersectionObserverStub;
  // The virtualiser reads the scroll container's clientHeight/clientWidth to decide how many rows to draw.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 400 });
}

/** Opens the combobox named `name` and clicks the option named `option`. */
export async function chooseOption(
  user: UserEvent,
  name: string | RegExp,
  option: string | RegExp,
): Promise<void> {
  await user.click(screen.getByRole('combobox', { name }));
  const listbox = await screen.findByRole('listbox');
  await user.click(within(listbox).getByRole('option', { name: option }));
}
