CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `name` text NOT NULL, `email` text NOT NULL, `createdAt` integer DEFAULT (unixepoch()) NOT NULL, `isAdmin` integer DEFAULT false NOT NULL)
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`)
CREATE TABLE `posts` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `title` text NOT NULL, `content` text, `authorId` integer NOT NULL, `published` integer DEFAULT false, FOREIGN KEY (`authorId`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade)
CREATE INDEX `posts_author_idx` ON `posts` (`authorId`)
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user1", "u1@x.io", 1700000001, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user2", "u2@x.io", 1700000002, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user3", "u3@x.io", 1700000003, 1]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user4", "u4@x.io", 1700000004, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user5", "u5@x.io", 1700000005, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user6", "u6@x.io", 1700000006, 1]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user7", "u7@x.io", 1700000007, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user8", "u8@x.io", 1700000008, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user9", "u9@x.io", 1700000009, 1]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user10", "u10@x.io", 1700000010, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user11", "u11@x.io", 1700000011, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) returning "id", "name", "email", "isAdmin" -- params: ["user12", "u12@x.io", 1700000012, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post1", "body1", 2, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post2", "body2", 3, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post3", "body3", 4, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post4", null, 5, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post5", "body5", 1, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post6", "body6", 2, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post7", "body7", 3, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post8", null, 4, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post9", "body9", 5, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post10", "body10", 1, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post11", "body11", 2, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post12", null, 3, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post13", "body13", 4, 1]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post14", "body14", 5, 0]
insert into "posts" ("id", "title", "content", "authorId", "published") values (null, ?, ?, ?, ?) -- params: ["post15", "body15", 1, 1]
select "id", "name", "email", "createdAt", "isAdmin" from "users" where "users"."id" = ? -- params: [3]
select "id", "name" from "users" where "users"."email" = ? limit ? -- params: ["u5@x.io", 1]
select "id", "title" from "posts" where ("posts"."authorId" = ? and "posts"."published" = ?) order by "posts"."id" desc -- params: [2, 1]
select count(*) from "posts" where "posts"."authorId" = ? -- params: [1]
select "users"."id", "users"."name", "posts"."id", "posts"."title" from "users" left join "posts" on "users"."id" = "posts"."authorId" where "users"."id" < ? order by "users"."id", "posts"."id" -- params: [4]
select "users"."name", count("posts"."id") from "users" left join "posts" on "posts"."authorId" = "users"."id" group by "users"."id" order by "users"."id"
select "id", "title" from "posts" where "posts"."authorId" in (select "id" from "users" where "users"."isAdmin" = ?) order by "posts"."id" -- params: [1]
select "id", "name" from "users" where "users"."name" like ? order by "users"."name" asc limit ? offset ? -- params: ["user1%", 10, 1]
update "users" set "name" = ? where "users"."id" = ? returning "id", "name" -- params: ["renamed", 2]
update "posts" set "published" = ? where "posts"."authorId" = ? -- params: [1, 3]
delete from "posts" where "posts"."id" = ? returning "id" -- params: [15]
delete from "users" where "users"."id" = ? -- params: [12]
select count(*) from "posts" where "authorId" = 12
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) on conflict ("email") do update set "name" = ? returning "id", "name" -- params: ["dup", "u1@x.io", 1, 0, "upserted"]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) on conflict do nothing -- params: ["dup", "u2@x.io", 1, 0]
insert into "users" ("id", "name", "email", "createdAt", "isAdmin") values (null, ?, ?, ?, ?) -- params: ["dup", "u3@x.io", 1, 0]
select "id", "name", "email", "createdAt", "isAdmin" from "users" order by "users"."id" limit ? -- params: [3]
select "id", (select count(*) from "posts" where "posts"."authorId" = "users"."id") as "postCount" from "users" order by "id" limit 5
select max("createdAt"), min("createdAt"), avg("isAdmin") from "users"
select "title", "content" from "posts" where "posts"."content" is null order by "id"
select "id" from "posts" where "posts"."id" in (?, ?, ?) order by "id" -- params: [1, 2, 3]
select * from "users" where "users"."id" = ? -- params: [1]
select "name" from "users" where ("users"."isAdmin" = ? or "users"."id" > ?) order by "name" -- params: [1, 9]
select "id" from "users" where not exists (select 1 from "posts" where "posts"."authorId" = "users"."id") order by "id"
select "name", "email" from "users" where lower("users"."email") = lower(?) -- params: ["U4@X.IO"]
-- @batch
insert into "users" ("name", "email") values (?, ?) -- params: ["b1", "b1@x.io"]
insert into "posts" ("title", "authorId") values (?, last_insert_rowid()) -- params: ["bp"]
select "id", "title", "authorId" from "posts" where "title" = ? -- params: ["bp"]
-- @end
-- @batch
insert into "users" ("name", "email") values (?, ?) -- params: ["b2", "b2@x.io"]
insert into "users" ("name", "email") values (?, ?) -- params: ["b3", "b3@x.io"]
insert into "users" ("name", "email") values (?, ?) -- params: ["b2again", "b2@x.io"]
-- @end
select count(*) from "users" where "email" in (?, ?) -- params: ["b2@x.io", "b3@x.io"]
-- REPLACE resolves a conflict on a CREATE UNIQUE INDEX too
insert or replace into "users" ("name", "email", "createdAt", "isAdmin") values (?, ?, ?, ?) -- params: ["b1 again", "b1@x.io", 5, 0]
select "id", "name", "email" from "users" where "email" like 'b%' order by "id"
