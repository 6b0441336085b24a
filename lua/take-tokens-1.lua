--[[
  Takes tokens from a token bucket that every sampler shares (the global
  budget of a rate_limiting, bytes_limiting or composite policy), after giving
  back tokens a sampler took earlier and did not use. The bucket refills
  continuously at ratePerSecond up to burst, and a new bucket starts full, as
  golang.org/x/time/rate does for the OpenTelemetry Collector. Time is the
  Redis server's, so every sampler sees the same clock.

  Input:
    KEYS[1]  the bucket, a hash { tokens, atUs }
    ARGV[1]  ratePerSecond, > 0
    ARGV[2]  burst: most tokens held, > 0
    ARGV[3]  take: most tokens wanted now, an integer >= 0
    ARGV[4]  refund: tokens given back, >= 0
  Output:
    the tokens granted, an integer from 0 to take
]]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local take = tonumber(ARGV[3])
local refund = tonumber(ARGV[4])

local time = redis.call('TIME')
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])

local state = redis.call('HMGET', KEYS[1], 'tokens', 'atUs')
local tokens = tonumber(state[1])
local atUs = tonumber(state[2])
if tokens == nil or atUs == nil then
  tokens = burst
  atUs = nowUs
end
if nowUs > atUs then
  tokens = tokens + (nowUs - atUs) * rate / 1000000
  atUs = nowUs
end
tokens = math.min(burst, tokens + refund)

local granted = math.min(take, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted

redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'atUs', string.format('%d', atUs))
-- Idle buckets go away once they would be full again anyway.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return granted
