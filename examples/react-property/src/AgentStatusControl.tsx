import { useId } from 'react';
import { setAgentStatus } from '@sinyal/client';
import { useAgentStatus, useSinyal } from '@sinyal/react';
import { AGENT_STATUS_CHOICES, formatTime, type DemoUser } from '../../shared/demo';

/** The agent's own status, as buyers see it: available, or busy for a while ("back at 16:30"). */
export function AgentStatusControl({ me }: { me: DemoUser }) {
  const client = useSinyal();
  const own = useAgentStatus(me.id);
  const id = useId();
  const busy = own.agentStatus === 'busy';
  const value = busy ? 'busy' : 'online';
  return (
    <div className="field">
      <label htmlFor={id}>Your status</label>
      <select
        id={id}
        data-testid="agent-status-control"
        value={value}
        onChange={(event) => {
          const choice = AGENT_STATUS_CHOICES.find((c) => c.value === event.target.value);
          if (!choice) return;
          if (choice.busyForMs === 0) setAgentStatus(client, 'online');
          else setAgentStatus(client, 'busy', client.clock.now() + choice.busyForMs);
        }}
      >
        {busy && <option value="busy">{own.availableAt ? `Busy until ${formatTime(own.availableAt)}` : 'Busy'}</option>}
        {AGENT_STATUS_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>{choice.label}</option>
        ))}
      </select>
    </div>
  );
}
