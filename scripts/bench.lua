-- wrk script: Telegram webhooks with a unique update_id per request.
local secret = os.getenv("SECRET")
local threads = 0

function setup(thread)
  thread:set("base", threads * 100000000)
  threads = threads + 1
end

function init(args)
  counter = base
end

function request()
  counter = counter + 1
  local body = '{"update_id":' .. counter .. ',"message":{"message_id":1,' ..
    '"from":{"id":42,"is_bot":false,"first_name":"Bench"},' ..
    '"chat":{"id":42,"type":"private","first_name":"Bench"},"date":1718000000,"text":"bench"}}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = secret,
  }, body)
end
