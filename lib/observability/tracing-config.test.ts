import { describe, expect, it } from 'vitest';
import { loadTracingConfig } from './tracing-config.js';

describe('loadTracingConfig', () => {
  it('is off with no OTEL variables', () => {
    expect(loadTracingConfig({}, 'order')).toMatchObject({ enabled: false, serviceName: 'order' });
  });

  it('is on with OTEL_TRACES_EXPORTER=otlp, sending to the default collector', () => {
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' }, 'order')).toMatchObject({ enabled: true, tracesUrl: 'http://localhost:4318/v1/traces' });
  });

  it('is on with an endpoint alone, which gets the traces path; a traces endpoint is used as given', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'x')).toMatchObject({ enabled: true, tracesUrl: 'http://collector:4318/v1/traces' });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' }, 'x').tracesUrl).toBe('http://collector:4318/custom');
  });

  it('stays off when the exporter is none or the SDK is disabled, whatever the endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }, 'x').enabled).toBe(false);
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }, 'x').enabled).toBe(false);
  });

  it('takes the service name and export headers from the standard variables', () => {
    const config = loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'orders-eu', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%3Dcret, x-tenant=a' }, 'order');
    expect(config).toMatchObject({ serviceName: 'orders-eu', headers: { 'api-key': 's=cret', 'x-tenant': 'a' } });
  });

  it('names a malformed endpoint', () => {
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'x')).toThrow(/endpoint/);
  });
});
