#!/usr/bin/env escript
%%! -kernel inet_dist_use_interface {127,0,0,1} -setcookie agora_bench
%%
%% The Erlang distribution baseline of `agora-bench --only cluster`: two
%% nodes on 127.0.0.1, each its own escript process, 64-byte binaries.
%% epmd must run on 127.0.0.1 (at ERL_EPMD_PORT, if not 4369).
%%
%%   escript dist_bench.escript server NAME
%%       starts node NAME@127.0.0.1, prints "ready NAME@127.0.0.1", serves
%%       until its client's node goes or it is told to stop
%%   escript dist_bench.escript client NAME SERVER_NODE MESSAGES ROUND_TRIPS SIZE REPS
%%       one-way: MESSAGES casts (Pid ! Binary) followed by a sync, the best
%%       rate of REPS runs; round trips: ROUND_TRIPS ping/pong, one at a
%%       time. Prints "msgs_per_s X", "rtt_p50_us X", "rtt_p99_us X".
-mode(compile).

main(["server", Name]) ->
    start_node(Name),
    register(dist_bench, self()),
    io:format("ready ~s~n", [node()]),
    serve(0);
main(["client", Name, Server, Messages, RoundTrips, Size, Reps]) ->
    start_node(Name),
    Peer = find_server(list_to_atom(Server)),
    Payload = binary:copy(<<"x">>, list_to_integer(Size)),
    N = list_to_integer(Messages),
    Rates = [throughput(Peer, Payload, N) || _ <- lists:seq(1, list_to_integer(Reps))],
    R = list_to_integer(RoundTrips),
    _ = round_trips(Peer, Payload, max(1, R div 10)),  % warm-up
    Samples = lists:sort(round_trips(Peer, Payload, R)),
    io:format("msgs_per_s ~.1f~nrtt_p50_us ~.2f~nrtt_p99_us ~.2f~n",
              [lists:max(Rates), nearest_rank(Samples, 0.50), nearest_rank(Samples, 0.99)]),
    Peer ! {stop, self()},
    receive stopped -> ok after 5000 -> ok end;
main(_) ->
    io:format(standard_error, "usage: dist_bench.escript server NAME | "
              "client NAME SERVER_NODE MESSAGES ROUND_TRIPS SIZE REPS~n", []),
    halt(2).

%% Distribution started here, not by flags: longnames on 127.0.0.1, and
%% net_ticktime in the options map (a -kernel net_ticktime flag is ignored
%% when distribution is started this way).
start_node(Name) ->
    {ok, _} = net_kernel:start(list_to_atom(Name ++ "@127.0.0.1"),
                               #{name_domain => longnames, net_ticktime => 60}).

find_server(Node) ->
    {dist_bench, Node} ! {hello, self()},
    receive {server, Pid} -> Pid
    after 10000 -> fail("no answer from ~s", [Node])
    end.

serve(Count) ->
    receive
        Bin when is_binary(Bin) -> serve(Count + 1);
        {ping, From, Bin} -> From ! {pong, Bin}, serve(Count);
        {sync, From} -> From ! {synced, Count}, serve(0);
        {hello, From} ->
            monitor_node(node(From), true),  % the client's node gone: we are done
            From ! {server, self()},
            serve(Count);
        {stop, From} -> From ! stopped;
        {nodedown, _} -> ok
    end.

throughput(Peer, Payload, N) ->
    T0 = erlang:monotonic_time(),
    cast(Peer, Payload, N),
    Peer ! {sync, self()},
    receive
        {synced, N} -> ok;
        {synced, Got} -> fail("the server counted ~b of ~b", [Got, N])
    after 120000 -> fail("no sync after ~b casts", [N])
    end,
    N / seconds_since(T0).

cast(_, _, 0) -> ok;
cast(Peer, Payload, K) -> Peer ! Payload, cast(Peer, Payload, K - 1).

round_trips(Peer, Payload, K) -> [round_trip_us(Peer, Payload) || _ <- lists:seq(1, K)].

round_trip_us(Peer, Payload) ->
    T0 = erlang:monotonic_time(),
    Peer ! {ping, self(), Payload},
    receive {pong, _} -> ok
    after 10000 -> fail("no pong", [])
    end,
    seconds_since(T0) * 1.0e6.

seconds_since(T0) ->
    erlang:convert_time_unit(erlang:monotonic_time() - T0, native, nanosecond) / 1.0e9.

nearest_rank(Sorted, Q) ->
    lists:nth(max(1, ceil(Q * length(Sorted))), Sorted).

fail(Format, Args) ->
    io:format(standard_error, "dist_bench: " ++ Format ++ "~n", Args),
    halt(1).
