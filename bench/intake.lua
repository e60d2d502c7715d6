-- wrk script for intake_post (bench/intake_load.py): every request a different worker's claim as JSON, with a
-- valid ID number (GB 11643 check character), a mobile number, one of a few employers, industries and problems.
-- The same bodies serve the bare baseline endpoint, whose serializer ignores the fields it does not have.
local names = {"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐强", "孙丽"}
local employers = {
  {"温州市鹿城区顺达速运有限公司", "express_delivery", "wages"},
  {"温州市瓯海区食速即时配送有限公司", "food_delivery", "overtime"},
  {"温州市鹿城区畅行出行科技有限公司", "ride_hailing", "wages"},
  {"温州市瓯海区安心家政服务有限公司", "domestic_services", "social_insurance"},
  {"温州市龙湾区精工鞋业有限公司", "manufacturing", "work_injury"},
  {"温州市鹿城区宏建建筑劳务有限公司", "construction", "wages"},
}
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local counter = 0

local function id_number()
  local birth = os.time({year = 1970, month = 1, day = 1}) + math.random(0, 35 * 365) * 86400
  local first17 = "330302" .. os.date("%Y%m%d", birth) .. string.format("%03d", math.random(0, 999))
  local sum = 0
  for i = 1, 17 do
    sum = sum + tonumber(first17:sub(i, i)) * weights[i]
  end
  local k = sum % 11 + 1
  return first17 .. checks:sub(k, k)
end

function init(args)
  math.randomseed(os.time() + (tonumber(args[1]) or 0) * 7919 + math.floor(os.clock() * 1e6))
end

request = function()
  counter = counter + 1
  local e = employers[math.random(#employers)]
  local body = string.format(
    '{"worker_name":"%s","worker_id_number":"%s","worker_phone":"13%09d","employer_name":"%s",' ..
    '"industry":"%s","categories":["%s"],"amount_claimed":"%d.00","facts":"%s拖欠我%d个月工资，' ..
    '多次催要未果，请求依法调解。","consent":true}',
    names[math.random(#names)], id_number(), math.random(0, 999999999), e[1], e[2], e[3],
    math.random(1, 40) * 500, e[1], math.random(1, 6))
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
