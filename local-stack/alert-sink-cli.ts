/** The alert sink on its own (docker-compose): `ALERT_SINK_PORT`, `ALERT_SINK_HOST` (127.0.0.1 by default). */
import { DEFAULT_ALERT_SINK_PORT, formatAlert, startAlertSink } from './alert-sink';

startAlertSink({ port: Number(process.env.ALERT_SINK_PORT || DEFAULT_ALERT_SINK_PORT), host: process.env.ALERT_SINK_HOST, print: (alert) => console.log(formatAlert(alert)) })
  .then((sink) => console.log(`alert sink listening on port ${sink.port}`))
  .catch((error: unknown) => {
    console.error(`alert sink: ${(error as Error).message}`);
    process.exit(1);
  });
