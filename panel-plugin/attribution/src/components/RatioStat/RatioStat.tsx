/**
 * The big number: the unknown-attribution ratio against its target, coloured by status and with the status
 * in words ("over target"), so neither colour vision nor sight is needed to read it.
 */
import { useStyles2 } from '@grafana/ui';
import type { RatioStatus } from '../../model';
import { getStyles } from './styles';

/** The status in words, as shown under the number. */
export function statusText(status: RatioStatus): string {
  switch (status) {
    case 'over':
      return 'over target';
    case 'within':
      return 'within target';
    case 'credit':
      return 'net credit, within target';
    default:
      return 'no ratio: nothing spent in this range';
  }
}

/**
 * What a screen reader hears for the number, e.g. `Unknown attribution 7.3%, over the 5% target` or
 * `Unknown attribution (GBP) -91.1%, a net credit, within the 5% target`.
 */
export function ratioLabel(
  valueText: string,
  status: RatioStatus,
  targetText: string,
  currency?: string,
): string {
  const what = currency ? `Unknown attribution (${currency})` : 'Unknown attribution';
  switch (status) {
    case 'over':
      return `${what} ${valueText}, over the ${targetText} target`;
    case 'within':
      return `${what} ${valueText}, within the ${targetText} target`;
    case 'credit':
      return `${what} ${valueText}, a net credit, within the ${targetText} target`;
    default:
      return `${what}: no ratio in this time range (nothing spent), target ${targetText}`;
  }
}

/** Another currency's ratio, listed under the big number. */
export interface OtherRatio {
  currency: string;
  text: string;
  status: RatioStatus;
}

/** Props of {@link RatioStat}. */
export interface RatioStatProps {
  /** The formatted ratio (`7.3%`), `—` when there is none. */
  valueText: string;
  status: RatioStatus;
  /** The target as text (`5%`). */
  targetText: string;
  /** The currency of the number, shown when several currencies have a ratio. */
  currency?: string;
  /** The other currencies (empty: nothing listed). */
  others: readonly OtherRatio[];
  /** Font size of the number in pixels (the panel scales it to its size). */
  fontSize: number;
}

/** The ratio, its status and target, and the other currencies. */
export function RatioStat({ valueText, status, targetText, currency, others, fontSize }: RatioStatProps) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.stat} data-testid="attribution-stat" data-status={status}>
      <div className={styles.valueRow}>
        <span
          className={styles.value(status)}
          style={{ fontSize }}
          role="img"
          aria-label={ratioLabel(valueText, status, targetText, currency)}
          data-testid="attribution-ratio"
        >
          {valueText}
        </span>
        {currency ? (
          <span className={styles.currency} aria-hidden="true">
            {currency}
          </span>
        ) : null}
      </div>
      {/* Already in the number's label: hidden from screen readers so it is not read twice. */}
      <div className={styles.status} aria-hidden="true" data-testid="attribution-status">
        <span className={styles.statusWord(status)}>{statusText(status)}</span>
        <span className={styles.target}> · target {targetText}</span>
      </div>
      {others.length > 0 && (
        <ul className={styles.others} aria-label="Other currencies">
          {others.map((o) => (
            <li key={o.currency} className={styles.other}>
              <span className={styles.otherCurrency}>{o.currency || '(no currency)'}</span>{' '}
              <span className={styles.statusWord(o.status)}>{o.text}</span>
              {o.status === 'over' || o.status === 'credit' ? (
                <span className={styles.otherNote}> {o.status === 'over' ? 'over' : 'credit'}</span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
