import { validateConfig, type MeterlineConfig } from '@meterline/cost-model';

/**
 * A small validated config shared by the unit tests of this folder (not exported from the package).
 * Prices: requests 0.0000004 USD (0.0000005 from 2025), GB-s 0.0000166667 USD, egress 0.08 EUR (1 EUR = 1.1 USD).
 */
export function unitTestConfig(): MeterlineConfig {
  return validateConfig({
    catalog: {
      baseCurrency: 'USD',
      exchangeRates: [{ currency: 'EUR', rate: '1.1', effectiveFrom: '2020-01-01T00:00:00Z' }],
      skus: [
        {
          id: 'api.requests',
          unit: 'request',
          prices: [
            {
              effectiveFrom: '2024-01-01T00:00:00Z',
              currency: 'USD',
              unitPrice: '0.0000004',
              version: 'req-2024',
            },
            {
              effectiveFrom: '2025-01-01T00:00:00Z',
              currency: 'USD',
              unitPrice: '0.0000005',
              version: 'req-2025',
            },
          ],
        },
        {
          id: 'compute.gb_s',
          unit: 'GB-s',
          prices: [
            {
              effectiveFrom: '2024-01-01T00:00:00Z',
              currency: 'USD',
              unitPrice: '0.0000166667',
              version: 'gbs',
            },
          ],
        },
        {
          id: 'egress.gb',
          unit: 'GB',
          prices: [
            {
              effectiveFrom: '2024-01-01T00:00:00Z',
              currency: 'EUR',
              unitPrice: '0.08',
              version: 'egress-eur',
            },
          ],
        },
        {
          id: 'later',
          unit: 'call',
          prices: [{ effectiveFrom: '2030-01-01T00:00:00Z', currency: 'USD', unitPrice: '1' }],
        },
      ],
    },
    skus: [
      {
        id: 'requests',
        sku: 'api.requests',
        match: { signal: 'span', kinds: ['server'] },
        quantity: { type: 'count' },
      },
      {
        id: 'compute',
        sku: 'compute.gb_s',
        match: { signal: 'span', names: ['handler'] },
        quantity: { type: 'duration_memory', memoryGb: '0.5' },
      },
      {
        id: 'egress',
        sku: 'egress.gb',
        match: { signal: 'span', attributes: [{ key: 'http.response.body.size', source: 'attributes' }] },
        quantity: {
          type: 'attribute',
          attribute: 'http.response.body.size',
          source: 'attributes',
          scale: '1e-9',
        },
      },
      {
        id: 'gold-calls',
        sku: 'api.requests',
        match: {
          signal: 'span',
          names: ['gold'],
          attributes: [{ key: 'plan', source: 'baggage', equals: 'gold' }],
        },
        quantity: { type: 'count', scale: '2' },
      },
      { id: 'later', sku: 'later', match: { signal: 'span', names: ['later'] }, quantity: { type: 'count' } },
    ],
    attribution: {
      rules: [
        {
          id: 'acme',
          match: [{ key: 'tenant.id', equals: 'acme' }],
          set: { tenant: { from: 'tenant.id' }, team: 'team-acme', center: 'cc-1' },
        },
        {
          id: 'plan',
          match: [{ key: 'plan', source: 'baggage', equals: 'gold' }],
          set: { center: 'cc-gold' },
        },
        {
          id: 'any-tenant',
          match: [{ key: 'tenant.id', exists: true }],
          set: { tenant: { from: 'tenant.id' } },
        },
      ],
      fallbacks: [
        {
          key: 'k8s.namespace.name',
          source: 'resource',
          map: { checkout: { team: 'payments', center: 'cc-2' } },
        },
        { key: 'team', source: 'attributes', map: { web: { team: 'web' } } },
      ],
    },
  });
}
