"""htx-tasks: run a People's Committee plan as deadlines, reminders and escalations."""
