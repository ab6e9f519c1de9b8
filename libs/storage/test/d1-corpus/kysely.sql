create table "person" ("id" integer primary key autoincrement, "first_name" varchar(255) not null, "last_name" varchar(255), "gender" varchar(50) not null, "created_at" text default CURRENT_TIMESTAMP not null)
create table "pet" ("id" integer primary key autoincrement, "name" varchar(255) not null, "owner_id" integer not null references "person" ("id") on delete cascade, "species" varchar(255) not null)
create index "pet_owner_id_index" on "pet" ("owner_id")
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn1", "ln1", "woman"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn2", "ln2", "other"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn3", null, "man"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn4", "ln4", "woman"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn5", "ln5", "other"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn6", null, "man"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn7", "ln7", "woman"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn8", "ln8", "other"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn9", null, "man"]
insert into "person" ("first_name", "last_name", "gender") values (?, ?, ?) returning "id" -- params: ["fn10", "ln10", "woman"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet1", 2, "cat"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet2", 3, "dog"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet3", 4, "cat"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet4", 1, "dog"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet5", 2, "cat"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet6", 3, "dog"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet7", 4, "cat"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet8", 1, "dog"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet9", 2, "cat"]
insert into "pet" ("name", "owner_id", "species") values (?, ?, ?) -- params: ["pet10", 3, "dog"]
select * from "person" where "id" = ? -- params: [1]
select "first_name", "last_name" from "person" where "gender" = ? order by "first_name" -- params: ["woman"]
select "person"."first_name", "pet"."name" as "pet_name" from "person" inner join "pet" on "pet"."owner_id" = "person"."id" where "pet"."species" = ? order by "pet"."id" -- params: ["cat"]
select "person"."id", count("pet"."id") as "pet_count" from "person" left join "pet" on "pet"."owner_id" = "person"."id" group by "person"."id" having count("pet"."id") > ? order by "person"."id" -- params: [1]
select "id" from "person" where "last_name" is null order by "id"
select "id" from "person" where "first_name" in (?, ?) order by "id" -- params: ["fn1", "fn2"]
update "person" set "last_name" = ? where "id" = ? -- params: ["changed", 3]
delete from "pet" where "owner_id" = ? -- params: [2]
delete from "person" where "id" = ? -- params: [1]
select count(*) as "count" from "pet"
select "p"."first_name" from "person" as "p" where exists (select 1 from "pet" where "pet"."owner_id" = "p"."id") order by "p"."id"
insert into "person" ("first_name", "gender") values (?, ?) on conflict ("id") do nothing -- params: ["late", "man"]
select "first_name" from "person" order by "id" desc limit ? offset ? -- params: [3, 1]
with "adults" as (select "id", "first_name" from "person" where "gender" != ?) select * from "adults" order by "id" -- params: ["other"]
select "species", count(*) from "pet" group by "species" order by "species"
