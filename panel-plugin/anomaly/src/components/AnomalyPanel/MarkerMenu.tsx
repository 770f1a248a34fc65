/**
 * The context menu of a marker: Grafana's `ContextMenu` with `MenuGroup`s of `MenuItem`s made from
 * `LinkModel`s (the same conversion `DataLinksContextMenu` does, `linkModelToContextMenuItems`).
 *
 * Why not `DataLinksContextMenu` itself: it only opens a menu for two links or more. With exactly one link
 * (a deploy's "Open deploy", an anomaly with a single trace) it renders an `<a>` around the trigger instead,
 * which would nest our `<button>` inside a link and navigate on a click, and with no link it renders no menu
 * at all, so "no traces for this anomaly" could not be said. It also offers no close callback, which the
 * marker needs to take focus back after Escape. Everything else is the same: the items are the links'
 * `href`s, `title`s and `target`s, in Grafana's own menu with its keyboard handling.
 */
import { useEffect } from 'react';
import type { LinkModel } from '@grafana/data';
import { ContextMenu, MenuGroup, MenuItem, linkModelToContextMenuItems } from '@grafana/ui';

/** A titled group of links; `empty` is shown (disabled) when there are none. */
export interface MenuSection {
  label: string;
  links: LinkModel[];
  /** Labels of items to show instead of links (e.g. trace IDs without a Tempo data source), disabled. */
  inert?: string[];
  empty?: string;
  /** A second line per link (same order as `links`), e.g. the deploy's versions. */
  descriptions?: string[];
  /** Visible labels per link (same order), when the link's title is too long for the menu. */
  labels?: string[];
}

export interface MarkerMenuProps {
  sections: MenuSection[];
  /** Viewport position (px) the menu opens at. */
  x: number;
  y: number;
  /** `escape`: closed with the Escape key (focus goes back to the marker). */
  onClose(reason: 'escape' | 'other'): void;
}

export function MarkerMenu({ sections, x, y, onClose }: MarkerMenuProps) {
  // ContextMenu handles Escape only while focus is inside it, and a menu with nothing enabled never takes
  // focus: listen on the window too (capture, so it runs before anything inside stops the event).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose('escape');
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);

  const renderMenuItems = () =>
    sections.map((s) => {
      const items = linkModelToContextMenuItems(() => s.links);
      return (
        <MenuGroup key={s.label} label={s.label} ariaLabel={s.label}>
          {items.map((item, i) => (
            <MenuItem
              key={`${item.url}-${i}`}
              label={s.labels?.[i] ?? item.label}
              ariaLabel={item.ariaLabel}
              url={item.url}
              target={item.target}
              icon={item.icon}
              onClick={item.onClick}
              description={s.descriptions?.[i]}
            />
          ))}
          {(s.inert ?? []).map((text) => (
            <MenuItem key={`inert-${text}`} label={text} disabled />
          ))}
          {items.length === 0 && (s.inert ?? []).length === 0 && s.empty !== undefined && (
            <MenuItem key="empty" label={s.empty} disabled />
          )}
        </MenuGroup>
      );
    });

  return <ContextMenu x={x} y={y} onClose={() => onClose('other')} renderMenuItems={renderMenuItems} />;
}
