// The first screen after login: the "Host metrics" dashboard the server seeds on first run,
// found by name; the list when there is none.

import { useEffect } from 'react';
import { useDashboards } from '../../api/hooks';
import { ErrorState, Loading } from '../../components/States';
import { navigate } from '../../context/router';

export const HOME_DASHBOARD = 'Host metrics';

export function Home() {
  const { data, error, reload } = useDashboards();
  useEffect(() => {
    if (!data) return;
    const host = data.find((d) => d.name === HOME_DASHBOARD) ?? data[0];
    navigate(host ? `/dashboards/${host.id}` : '/dashboards', { replace: true });
  }, [data]);
  if (error) return <ErrorState error={error} onRetry={reload} title="Dashboards could not be loaded" />;
  return <Loading label="Opening Host metrics…" />;
}
