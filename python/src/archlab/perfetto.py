"""Export to the Chrome trace event format (JSON), which ui.perfetto.dev and chrome://tracing open.

Layout of the trace:

* one process per (component type, replica), one thread (track) per component, named by its
  label (``lp[3]``); every handled event from ``/trace/events`` is an instant event on its
  target's track, named ``<port> <kind>`` (``in ball``, ``self tick``: the names the component
  types declare, in ``/ports`` and ``/kinds``; ``port <n>`` and ``k<kind>`` where the file has
  none), with src, port, kind, seq and sent_ps as args;
* for each such event, a message span from its send to its receive on the sender's process (an
  async pair, ``"ph": "b"``/``"e"``, cat ``message``, named after the kind), when the trace
  records send times (``first_seq``);
* one process per workload (and replica) with operator spans (complete events, ``ph = "X"``),
  laid out on as few tracks as keep them from overlapping.

Timestamps are microseconds (the format's unit), written as exact decimals of the picosecond
ticks. The file is written as a stream, so exporting a long trace needs little memory.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import NoTraceError
from .run import SELF_PORT, Run, operator_extents
from .units import format_time, ps_to_us_text

DEFAULT_MAX_EVENTS = 1_000_000
_BLOCK_ROWS = 1 << 18


@dataclass
class ExportSummary:
    """What :func:`write_chrome_trace` wrote."""
    path: Path
    events_in_file: int = 0
    events_written: int = 0
    operator_spans: int = 0
    message_spans: int = 0
    tracks: int = 0
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


def _ts(ps: int) -> str:
    return ps_to_us_text(ps)


def _lanes(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Greedy interval partitioning: a lane per span such that spans in one lane do not overlap."""
    order = np.lexsort((ends, starts))
    lane_ends: list[int] = []
    lanes = np.zeros(len(starts), dtype=np.int64)
    for i in order:
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= starts[i]:
                lanes[i] = lane
                lane_ends[lane] = ends[i]
                break
        else:
            lanes[i] = len(lane_ends)
            lane_ends.append(ends[i])
    return lanes


def _json_value(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_chrome_trace(run: Run, path: str | os.PathLike, start: int | None = None, end: int | None = None,
                       max_events: int | None = DEFAULT_MAX_EVENTS, spans: bool = True) -> ExportSummary:
    """Writes ``run``'s event trace and operator spans to ``path`` as Chrome trace JSON.

    ``start``/``end`` (ps) restrict the events to a time window; ``max_events`` (None or 0: no
    limit) caps the instant events written, since trace viewers struggle beyond a few million.
    With ``spans`` (and a trace that records send times), each written event also gets a message
    span from its send to its receive on the sender's process (its send may lie before ``start``).
    Raises :class:`NoTraceError` when the file has neither a trace nor operators.
    """
    summary = ExportSummary(path=Path(path))
    has_operators = bool(run.workloads)
    if not run.has_trace and not has_operators:
        raise NoTraceError(f"{run.path}: nothing to export: no event trace (/trace/events; run with "
                           "`--set trace=true`) and no workload operators (/workload/<name>/operators)")
    components = run.components
    type_order = {t: i for i, t in enumerate(dict.fromkeys(components["type"]))} if len(components) else {}
    pid_by_id = np.zeros(len(components), dtype=np.int64)
    if len(components):
        pid_by_id[components["id"].to_numpy()] = [1 + r * len(type_order) + type_order[t] for t, r in
                                                  zip(components["type"], components["replica"])]
    used = np.zeros(len(components), dtype=bool)

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"displayTimeUnit":"ns","traceEvents":[\n')
        first = True

        def emit(text: str) -> None:
            nonlocal first
            out.write(text if first else ",\n" + text)
            first = False

        if run.has_trace:
            rows_first, rows_last = run.trace_rows(start, end)
            summary.events_in_file = run.trace_length
            last = rows_last
            if max_events and rows_last - rows_first > max_events:
                last = rows_first + max_events
                summary.truncated = True
                summary.notes.append(f"wrote the first {max_events} of {rows_last - rows_first} events in the window; "
                                     "raise --max-events (0: all) or narrow --start/--end")
            _write_events(run, rows_first, last, spans, emit, pid_by_id, used, summary)

        # Track names for the components that appear (a 64K-component run names only those).
        if used.any():
            shown = components[used[components["id"].to_numpy()]]
            for (type_name, replica), group in shown.groupby(["type", "replica"], sort=False):
                pid = int(pid_by_id[group["id"].iloc[0]])
                name = type_name if run.replicas == 1 else f"{type_name} (replica {replica})"
                emit(json.dumps({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": name}}))
                emit(json.dumps({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                                 "args": {"sort_index": pid}}))
            for component_id, label, pid in zip(shown["id"].tolist(), shown["component"].tolist(),
                                                pid_by_id[shown["id"].to_numpy()].tolist()):
                emit(json.dumps({"ph": "M", "name": "thread_name", "pid": pid, "tid": component_id + 1,
                                 "args": {"name": label}}))
                emit(json.dumps({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": component_id + 1,
                                 "args": {"sort_index": component_id}}))
            summary.tracks += len(shown)

        next_pid = 1 + (int(pid_by_id.max()) if len(pid_by_id) else 0)
        for workload in run.workloads:
            next_pid = _write_operator_spans(run, workload, emit, summary, next_pid, start, end)

        other = {"archlab_file": str(run.path), "engine": run.engine, "archlab_version": run.archlab_version,
                 "status": run.status, "sim_time": format_time(run.final_time),
                 "events_in_file": summary.events_in_file, "events_written": summary.events_written,
                 "truncated": summary.truncated}
        out.write('\n],"otherData":' + json.dumps(other) + "}\n")
    return summary



def _write_events(run: Run, first: int, last: int, spans: bool, emit, pid_by_id: np.ndarray, used: np.ndarray,
                  summary: ExportSummary) -> None:
    """Rows [first, last) of /trace/events: an instant event each on its target's track, named
    "<port> <kind>", and (``spans``, when the trace records send times) a message span from the
    send to the receive on the sender's process: an async pair ("b" at the send, "e" at the
    receive, id = the record's row) named after the kind."""
    dataset = run._trace_dataset()
    with_spans = spans and run.has_send_times and last > first
    if spans and not run.has_send_times:
        summary.notes.append("the trace does not record send times (a file from before archlab kept first_seq): "
                             "events only, no message spans")
    if with_spans:
        keys = dataset.fields(["src", "seq"])[first:last]
        sent_all = run.send_times(keys["src"], keys["seq"], before_row=last)
    if not len(run.ports) or not len(run.kinds):
        summary.notes.append("the file names no " + " and no ".join(
            what for what, table in (("ports", run.ports), ("event kinds", run.kinds)) if not len(table))
            + " (/ports, /kinds: files from before archlab kept them): events are named by number")
    components = run.components
    type_of = np.empty(len(pid_by_id), dtype=object)
    type_of[:] = ""
    if len(components):
        type_of[components["id"].to_numpy()] = components["type"].astype(str).to_numpy()
    names: dict[tuple, tuple[str, str]] = {}
    labels: dict[int, str] = {}

    def label_of(component: int) -> str:
        if component not in labels:
            labels[component] = json.dumps(run.label(component) if component < len(type_of) else str(component))
        return labels[component]

    def name_of(src: int, target: int, port: int, kind: int) -> tuple[str, str]:
        """("<port> <kind>", "<kind>") for an event, cached per (types, port, kind)."""
        target_type = type_of[target] if target < len(type_of) else ""
        sender_type = type_of[src] if src < len(type_of) else ""
        key = (target_type, sender_type, port, kind)
        if key not in names:
            kind_text = run.kind_name(kind, target_type, sender_type)
            names[key] = (json.dumps(f"{run.port_name(target_type, port)} {kind_text}"), json.dumps(kind_text))
        return names[key]

    for block_first in range(first, last, _BLOCK_ROWS):
        block = dataset[block_first:min(last, block_first + _BLOCK_ROWS)]
        targets = block["target"].astype(np.int64)
        used[targets[targets < len(used)]] = True
        sent = sent_all[block_first - first:block_first - first + len(block)].tolist() if with_spans else None
        for i, (time, seq, src, target, port, kind) in enumerate(zip(
                block["time"].tolist(), block["seq"].tolist(), block["src"].tolist(), targets.tolist(),
                block["port"].tolist(), block["kind"].tolist())):
            event_name, kind_name = name_of(src, target, port, kind)
            pid = pid_by_id[target] if target < len(pid_by_id) else 0
            sent_text = f',"sent_ps":{sent[i]}' if with_spans else ""
            emit(f'{{"ph":"i","s":"t","cat":"event","name":{event_name},"ts":{_ts(time)},"pid":{pid},'
                 f'"tid":{target + 1},"args":{{"src":{src},"port":{port},"kind":{kind},"seq":{seq}{sent_text}}}}}')
            if with_spans and src < len(pid_by_id):
                row = block_first + i
                head = f'"cat":"message","name":{kind_name},"id":{row},"pid":{pid_by_id[src]},"tid":{src + 1}'
                emit(f'{{"ph":"b",{head},"ts":{_ts(sent[i])},"args":{{"to":{label_of(target)},'
                     f'"port":{port},"seq":{seq}}}}}')
                emit(f'{{"ph":"e",{head},"ts":{_ts(time)}}}')
                used[src] = True
                summary.message_spans += 1
        summary.events_written += len(block)


def _write_operator_spans(run: Run, workload: str, emit, summary: ExportSummary, next_pid: int,
                          start: int | None, end: int | None) -> int:
    """One process per (workload, replica); in it a track per workload instance (``dnn[1]``; just
    ``operators`` for a single instance), split into as many tracks as keep its spans from
    overlapping. An operator still running when the run stopped spans to the run's end; one that
    never started gets no span. Returns the next free pid."""
    operators = run.operators_of(workload)
    op_starts, op_ends, state = operator_extents(operators, run.final_time)
    operators = operators.assign(start_=op_starts, end_=op_ends, state_=state)
    skipped = int((state == "not started").sum())
    running = int((state == "running").sum())
    if skipped:
        summary.notes.append(f"workload {workload}: {skipped} of {len(operators)} operators never started "
                             "(the run stopped first): no span")
    if running:
        summary.notes.append(f"workload {workload}: {running} operators were still running when the run stopped: "
                             "their spans end at the run's end (args: finished false)")
    operators = operators[operators["state_"] != "not started"]
    if start is not None:
        operators = operators[operators["end_"] > start]
    if end is not None:
        operators = operators[operators["start_"] < end]
    totals = run._totals_table(workload)
    model = str(totals["model"].iloc[0]) if totals is not None and len(totals) and "model" in totals else ""
    several_replicas = "replica" in operators and (run.replicas > 1 or operators["replica"].nunique() > 1)
    several_instances = "instance" in operators and operators["instance"].nunique() > 1
    extra = [c for c in operators.columns if c not in ("workload", "name", "start", "end", "start_", "end_", "state_")]
    replica_groups = operators.groupby("replica", sort=True) if "replica" in operators else [(None, operators)]
    for replica, group in replica_groups:
        if group.empty:
            continue
        pid = next_pid
        next_pid += 1
        name = f"workload {workload}" + (f" ({model})" if model else "") + \
            (f" (replica {replica})" if several_replicas else "")
        emit(json.dumps({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": name}}))
        emit(json.dumps({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0, "args": {"sort_index": pid}}))
        instance_groups = group.groupby("instance", sort=True) if several_instances else [(None, group)]
        tid = 0
        for instance, spans in instance_groups:
            track = f"{workload}[{instance}]" if instance is not None else "operators"
            starts = spans["start_"].to_numpy(dtype=np.int64)
            ends = spans["end_"].to_numpy(dtype=np.int64)
            lanes = _lanes(starts, ends)
            for lane in range(int(lanes.max()) + 1):
                emit(json.dumps({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid + lane + 1,
                                 "args": {"name": track if lane == 0 else f"{track} ({lane + 1})"}}))
                emit(json.dumps({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid + lane + 1,
                                 "args": {"sort_index": tid + lane}}))
            for record, op_name, lane, op_start, op_end in zip(spans[extra].to_dict("records"), spans["name"],
                                                                lanes, starts, ends):
                args = {str(c): _json_value(v) for c, v in record.items()}
                head = json.dumps({"ph": "X", "cat": "operator", "name": str(op_name), "pid": pid,
                                   "tid": tid + int(lane) + 1, "args": args})
                emit(head[:-1] + f',"ts":{_ts(op_start)},"dur":{_ts(max(op_end - op_start, 0))}}}')
                summary.operator_spans += 1
            tid += int(lanes.max()) + 1
        summary.tracks += tid
    return next_pid
