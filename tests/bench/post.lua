-- post.lua: the request wrk sends in every benchmark (an SMS send, as the
-- notification platform gets it).  With BENCH_STOP_AFTER=N in the
-- environment the thread stops after N responses, so a recording holds a
-- known number of exchanges; without it wrk runs at full speed (no
-- per-response Lua call).
wrk.method = "POST"
wrk.path = "/v1/sms"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token-0001"
wrk.body = '{"to":"+15550100123","from":"ACME","text":"Your verification code is 481516. '
    .. 'It expires in 5 minutes.","tags":["otp","login"],'
    .. '"callback_url":"https://hooks.acme.example/sms/status","validity_period":300}'

local limit = tonumber(os.getenv("BENCH_STOP_AFTER") or "0") or 0
if limit > 0 then
    local n = 0
    response = function(status, headers, body)
        n = n + 1
        if n >= limit then wrk.thread:stop() end
    end
end
